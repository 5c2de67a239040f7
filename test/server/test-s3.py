#!/usr/bin/env python3
# test-s3.py: screenshots in an S3-compatible object store (s3-url, s3-region,
# s3-credentials) against a real store that verifies SigV4 signatures (@20minutes/s3rver,
# installed from test/s3 with npm ci): a capture's image is an object named by its sha256,
# written once; a wrong secret or a store that is down gives 503 and stores nothing; the
# image comes back for subject access; erasure deletes the object; two servers on one
# database and one bucket see each other's captures (PostgreSQL).
# The store's package (test/s3, pinned 4.0.2) declares node >= 20 but runs on Debian 12's
# node 18: signed PUT, GET, HEAD, DELETE and the refusal of a wrong secret were checked
# there; npm only warns about the engine.
# usage: test-s3.py --backend sqlite|pg   (pg needs VIGIL_TEST_PG; no node: exit 77)
import argparse
import base64
import hashlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
S3_DIR = os.path.join(os.path.dirname(HERE), 's3')
BUCKET = 'vigil-images'
SCHOOL = 'Oakridge Primary'


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


st = load('server_test', 'test-server.py')
check, expect, Failure = st.check, st.expect, st.Failure


def install_s3rver():
    """npm ci of the pinned store into test/s3 (once); None when it works, else why not."""
    if not shutil.which('node') or not shutil.which('npm'):
        return 'no node or npm'
    if os.path.isdir(os.path.join(S3_DIR, 'node_modules', '@20minutes', 's3rver')):
        return None
    env = dict(os.environ, npm_config_update_notifier='false')
    p = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=S3_DIR, env=env,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        return 'npm ci failed: ' + p.stderr[-2000:]
    return None


class ObjectStore:
    """s3rver on 127.0.0.1 keeping its objects under a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='vigil-s3-')
        self.port = 0
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(['node', os.path.join(S3_DIR, 's3rver-run.js'),
                                      str(self.port), self.dir, BUCKET],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('listening '):
            raise Failure('s3rver did not start: ' + line + self.proc.stdout.read()[-2000:])
        self.port = int(line.split()[1])

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None

    def url(self):
        return 'http://127.0.0.1:%d/%s' % (self.port, BUCKET)

    def objects(self):
        d = os.path.join(self.dir, BUCKET)
        suffix = '._S3rver_object'
        return sorted(f[:-len(suffix)] for f in os.listdir(d) if f.endswith(suffix))

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class S3Server(st.Server):
    """The server under test with its images in the object store."""

    def __init__(self, database, lists, store, secret='S3RVER'):
        super().__init__(database, lists)
        self.store = store
        self.cred = os.path.join(self.root, 's3.cred')
        self.write_secret(secret)

    def write_secret(self, secret):
        with open(self.cred, 'w') as f:
            f.write('S3RVER:%s\n' % secret)
        os.chmod(self.cred, 0o600)
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.cred, pw.pw_uid, pw.pw_gid)

    def base_args(self):
        args = super().base_args()
        with open(args[-1], 'a') as f:
            f.write('s3-url = %s\ns3-region = eu-west-2\ns3-credentials = %s\n'
                    % (self.store.url(), self.cred))
        return args


def upload(srv, token, **over):
    rec = st.record(**over)
    r = srv.request('POST', '/api/v1/captures', rec, token=token)
    return rec, r


def exported_ids(srv):
    return {x['id'] for x in srv.export()}


def run(args, database, lists, store):
    srv = S3Server(database, lists, store)
    others = []
    try:
        key = srv.admin('school', 'add', SCHOOL).stdout.strip()
        srv.start()
        expect(srv.request('GET', '/healthz'), 200, 'healthz with the store up')
        token = srv.enrol(key, 'LAB1-PC07')

        # Stored: one object named by the image's hash, nothing under the data directory.
        rec, r = upload(srv, token, user='pupil-a')
        expect(r, 201, 'upload')
        sha = rec['screenshot']['sha256']
        check(store.objects() == [sha + '.png'], 'one object named by the sha256: %s'
              % store.objects())
        with open(os.path.join(store.dir, BUCKET, sha + '.png._S3rver_object'), 'rb') as f:
            check(hashlib.sha256(f.read()).hexdigest() == sha, 'the object holds the PNG')
        images = os.path.join(srv.data, 'images')
        check(not os.path.isdir(images) or not any(files for _, _, files in os.walk(images)),
              'no image files in the data directory')
        print('ok an upload stores one object named by its sha256')

        # Written once: the same image again (a retry, another capture) writes nothing new.
        mtime = os.stat(os.path.join(store.dir, BUCKET, sha + '.png._S3rver_object')).st_mtime_ns
        expect(srv.request('POST', '/api/v1/captures', rec, token=token), 200, 'retry')
        rec2, r = upload(srv, token, user='pupil-a', image=base64.b64decode(
            rec['screenshot']['data']))
        expect(r, 201, 'second capture, same image')
        check(store.objects() == [sha + '.png'], 'still one object')
        check(os.stat(os.path.join(store.dir, BUCKET, sha + '.png._S3rver_object')).st_mtime_ns
              == mtime, 'the object was not written again')
        print('ok a retry and a second capture with the same image write nothing new')

        # The image comes back from the store for subject access.
        out = srv.admin('pupil', 'export', '--school', SCHOOL, 'pupil-a').stdout
        lines = [st.json.loads(x) for x in out.splitlines()]
        check(len(lines) == 2, 'pupil export: 2 captures, got %d' % len(lines))
        for x in lines:
            img = base64.b64decode(x['screenshot']['data'])
            check(hashlib.sha256(img).hexdigest() == sha, 'pupil export carries the image')
        print('ok subject access reads the images back from the store')

        # A wrong secret: the store refuses the signature; the server says it cannot store.
        srv.stop()
        srv.write_secret('WRONG-SECRET')
        srv.start()
        expect(srv.request('GET', '/healthz'), 503, 'healthz with a wrong secret')
        rec3, r = upload(srv, token, user='pupil-b')
        expect(r, 503, 'upload with a wrong secret')
        check(rec3['id'] not in exported_ids(srv), 'no row for the refused capture')
        check(rec3['screenshot']['sha256'] + '.png' not in store.objects(), 'no object')
        srv.stop()
        srv.write_secret('S3RVER')
        srv.start()
        expect(srv.request('POST', '/api/v1/captures', rec3, token=token), 201,
               'the retry with the right secret')
        print('ok a wrong secret: 503, no row, no object; the right one: stored')

        # The store down: 503 and nothing half-stored; back up: the retry is stored.
        store.stop()
        expect(srv.request('GET', '/healthz'), 503, 'healthz with the store down')
        rec4, r = upload(srv, token, user='pupil-b')
        expect(r, 503, 'upload with the store down')
        check(rec4['id'] not in exported_ids(srv), 'no row while the store is down')
        store.start()
        expect(srv.request('POST', '/api/v1/captures', rec4, token=token), 201,
               'the retry after the store is back')
        check(rec4['screenshot']['sha256'] + '.png' in store.objects(), 'object after retry')
        check(rec4['id'] in exported_ids(srv), 'row after retry')
        print('ok the store down: 503, nothing stored; back up: the retry is stored')

        # Several servers on one database and one bucket (PostgreSQL).
        if database:
            two = S3Server(database, lists, store)
            others.append(two)
            two.start()
            rec5, r = upload(two, token, user='pupil-c')
            expect(r, 201, 'upload through the second server')
            check(rec5['id'] in exported_ids(srv), 'the first server exports it')
            out = srv.admin('pupil', 'export', '--school', SCHOOL, 'pupil-c').stdout
            img = base64.b64decode(st.json.loads(out)['screenshot']['data'])
            check(hashlib.sha256(img).hexdigest() == rec5['screenshot']['sha256'],
                  'the first server reads the second one\'s image')
            expect(srv.request('POST', '/api/v1/captures', rec5, token=token), 200,
                   'the same id through the first server is a duplicate')
            two.stop()
            print('ok two servers share one database and one bucket')

        # Erasure deletes the pupil's objects, and only theirs.
        srv.stop()
        res = srv.admin('pupil', 'delete', '--school', SCHOOL, 'pupil-a').stdout
        check('2 captures and 1 images' in res or '2 captures and 1 image' in res,
              'delete counts: %r' % res)
        check(sha + '.png' not in store.objects(), 'the object is gone: %s' % store.objects())
        check(rec4['screenshot']['sha256'] + '.png' in store.objects(), 'others stay')
        print('ok erasure deletes the pupil\'s objects from the store')
        return 0
    except Exception as e:  # noqa: BLE001
        print('FAIL: %s' % e)
        traceback.print_exc()
        for s in [srv] + others:
            print('server log (tail):\n' + s.log_text()[-2000:])
        return 1
    finally:
        for s in [srv] + others:
            s.stop()
            s.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--backend', choices=['sqlite', 'pg'], default='sqlite')
    args = ap.parse_args()
    why = install_s3rver()
    if why:
        print('skipping: the S3 test store cannot run here: ' + why)
        return 77
    database, cleanup_db = None, None
    if args.backend == 'pg':
        if not os.environ.get('VIGIL_TEST_PG'):
            print('VIGIL_TEST_PG not set: skipping the PostgreSQL variant')
            return 77
        database, cleanup_db = st.pg_database(os.environ['VIGIL_TEST_PG'])
    lists = tempfile.mkdtemp(prefix='vigil-lists-')
    os.chmod(lists, 0o755)
    with open(os.path.join(lists, 'self-harm.txt'), 'w') as f:
        f.write(st.GOOD_LIST)
    os.chmod(os.path.join(lists, 'self-harm.txt'), 0o644)
    store = ObjectStore()
    try:
        store.start()
        return run(args, database, lists, store)
    finally:
        store.cleanup()
        shutil.rmtree(lists, ignore_errors=True)
        if cleanup_db:
            cleanup_db()


if __name__ == '__main__':
    t0 = time.time()
    code = main()
    print('%s (%.1f s)' % ('passed' if code == 0 else 'skipped' if code == 77 else 'failed',
                           time.time() - t0))
    sys.exit(code)
