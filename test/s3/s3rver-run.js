// s3rver-run.js: an S3-compatible store on 127.0.0.1 for tests, one bucket, SigV4 checked.
// usage: node s3rver-run.js PORT DIRECTORY BUCKET
// Prints "listening PORT" when ready (PORT 0: a free one). Access key and secret are
// S3RVER:S3RVER (the store's built-in account); any other pair is refused with 403.
'use strict';
const S3rver = require('@20minutes/s3rver');

const [port, directory, bucket] = process.argv.slice(2);
if (!port || !directory || !bucket) {
  console.error('usage: s3rver-run.js PORT DIRECTORY BUCKET');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
});
server.run().then(({ port: p }) => {
  console.log('listening ' + p);
}, (err) => {
  console.error('s3rver: ' + err.message);
  process.exit(1);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close().then(() => process.exit(0)));
}
