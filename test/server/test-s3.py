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
import base64
import hashlib
import json
import os
import sys

import harness
from harness import BUCKET, S3Server, check, expect, group

SCHOOL = 'Oakridge Primary'


def upload(srv, token, **over):
    rec = harness.record(**over)
    r = srv.request('POST', '/api/v1/captures', rec, token=token)
    return rec, r


def exported_ids(srv):
    return {x['id'] for x in srv.export()}


def setup(c):
    c.store = harness.ObjectStore()
    c.at_exit(c.store.cleanup)
    c.store.start()


@group
def object_store(c):
    database, lists, store = c.database, c.lists, c.store
    srv = S3Server(database, lists, store)
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
    lines = [json.loads(x) for x in out.splitlines()]
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
        two.start()
        rec5, r = upload(two, token, user='pupil-c')
        expect(r, 201, 'upload through the second server')
        check(rec5['id'] in exported_ids(srv), 'the first server exports it')
        out = srv.admin('pupil', 'export', '--school', SCHOOL, 'pupil-c').stdout
        img = base64.b64decode(json.loads(out)['screenshot']['data'])
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


if __name__ == '__main__':
    sys.exit(harness.main(setup=setup, server=False, needs=[harness.need_s3rver]))
