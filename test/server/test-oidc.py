#!/usr/bin/env python3
# test-oidc.py: staff sign in with the school's accounts: OpenID Connect against a real
# provider run by the test (oidc-provider from test/oidc, on node; PKCE required): a
# headteacher whose e-mail address Vigil knows signs in and lands on the queue; a
# stranger, a wrong audience, an expired token, a bad signature, a replayed state and an
# answer to another browser are each refused with a page that says why, and no session
# is made. Skips without node/npm. usage: test-oidc.py --backend sqlite|pg
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import harness
from harness import Failure, Skip, Web, check, expect, free_port, give, group

HERE = os.path.dirname(os.path.abspath(__file__))
OIDC_DIR = os.path.join(HERE, '..', 'oidc')
SCHOOL = 'Oakridge Primary'
CLIENT, SECRET = 'vigil-web', 'a-client-secret-of-the-school-0123456789'


def need_provider():
    """npm ci of the pinned provider into test/oidc (once); None when it works."""
    if not harness.shutil.which('node') or not harness.shutil.which('npm'):
        return 'the OpenID provider cannot run here: no node or npm'
    if os.path.isdir(os.path.join(OIDC_DIR, 'node_modules', 'oidc-provider')):
        return None
    env = dict(os.environ, npm_config_update_notifier='false')
    p = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=OIDC_DIR, env=env,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        return 'the OpenID provider cannot run here: npm ci failed: ' + p.stderr[-2000:]
    return None


class Stop(Exception):
    def __init__(self, url):
        super().__init__(url)
        self.url = url


def browser_for(vigil):
    """A cookie-keeping client of the provider that stops at Vigil's callback."""
    class Handler(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if newurl.startswith(vigil):
                raise Stop(newurl)
            return super().redirect_request(req, fp, code, msg, headers, newurl)
    return urllib.request.build_opener(Handler(),
                                       urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def setup(c):
    if os.path.isdir(os.path.join(OIDC_DIR, 'node_modules')) is False:
        raise Skip('no provider')
    c.port = free_port()
    vigil = 'http://127.0.0.1:%d' % c.port
    cfg = {'clients': [{'client_id': CLIENT, 'client_secret': SECRET,
                        'redirect_uris': [vigil + '/login/oidc/callback']}],
           'accounts': {'head': 'Head@School.example', 'stranger': 'nobody@school.example'}}
    c.prov = subprocess.Popen(['node', os.path.join(OIDC_DIR, 'provider-run.mjs'), '0'],
                              env=dict(os.environ, VIGIL_OIDC=json.dumps(cfg)), cwd=OIDC_DIR,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = c.prov.stdout.readline()
    if not line.startswith('listening '):
        raise Failure('the provider did not start: %r' % line)
    c.issuer = 'http://127.0.0.1:%s' % line.split()[1]
    c.at_exit(lambda: (c.prov.terminate(), c.prov.wait(timeout=10)))
    secret = os.path.join(c.args_root, 'oidc-secret')
    with open(secret, 'w') as f:
        f.write(SECRET + '\n')
    os.chmod(secret, 0o600)
    give(secret)
    srv = harness.Server(c.database, c.lists, port=c.port,
                         config=dict(harness.SUITE_CONFIG, **{
                             'oidc-issuer': c.issuer, 'oidc-client-id': CLIENT,
                             'oidc-client-secret-file': secret, 'public-url': vigil}))
    c.srv = srv
    srv.admin('school', 'add', SCHOOL)
    srv.admin('user', 'add', '--role', 'headteacher', '--school', SCHOOL, '--email',
              'head@school.example', 'head', stdin=harness.PASSWORD + '\n')
    srv.start()
    c.vigil = vigil


def mode(c, m):
    urllib.request.urlopen(c.issuer + '/_test/mode?m=' + m, timeout=10).read()


def authorize(c, account):
    """Starts a sign-in at Vigil, signs in at the provider: (Vigil's state cookie, the
    callback URL the provider sends the browser to)."""
    r = expect(c.srv.request('GET', '/login/oidc'), 303, 'start')
    loc = r.headers['location']
    check(loc.startswith(c.issuer + '/auth?'), 'to the provider: %r' % loc)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    check(q['code_challenge_method'] == ['S256'] and len(q['code_challenge'][0]) == 43 and
          q['nonce'] and q['state'], 'PKCE, nonce and state: %r' % q)
    cookie = re.match(r'vigil_oidc=([^;]+);', r.headers['set-cookie']).group(1)
    check('SameSite=Lax' in r.headers['set-cookie'] and 'HttpOnly' in r.headers['set-cookie'],
          'state cookie: %r' % r.headers['set-cookie'])
    b = browser_for(c.vigil)
    try:
        page = b.open(loc, timeout=20).read().decode()
        action = re.search(r'action="([^"]+)"', page).group(1)
        b.open(urllib.parse.urljoin(c.issuer, action),
               urllib.parse.urlencode({'prompt': 'login', 'login': account,
                                       'password': 'any'}).encode(),
               timeout=20).read()
    except Stop as s:
        return cookie, s.url
    raise Failure('the provider did not send the browser back')


def callback(c, cookie, url):
    path = url[len(c.vigil):]
    return c.srv.request('GET', path, headers={'Cookie': 'vigil_oidc=' + cookie})


def why(r):
    m = re.search(r'id="oidc-why">([^<]*)<', r.text)
    return m.group(1) if m else r.text[:400]


@group
def signs_in_by_email(c):
    page = c.srv.request('GET', '/login').text
    check('href="/login/oidc"' in page, 'the sign-in page offers the school account')
    cookie, url = authorize(c, 'head')
    r = expect(callback(c, cookie, url), 200, 'callback')
    m = re.match(r'vigil_session=([A-Za-z0-9_-]{43});', r.headers.get('set-cookie', ''))
    check(m and 'url=/captures' in r.text, 'a session, then the queue: %r' % r.text[:300])
    w = Web(c.srv)
    w.cookie = m.group(1)
    expect(w.req('GET', '/captures'), 200, 'the queue as the headteacher')
    audit = c.srv.sql("SELECT login, detail FROM audit WHERE action = 'sign-in'")
    check(['head', '127.0.0.1 (school account)'] in audit, 'audited: %r' % audit)
    # The same answer again: the state was used.
    r = expect(callback(c, cookie, url), 403, 'replayed state')
    check('used already' in why(r) and 'set-cookie' not in r.headers, 'replay: %s' % why(r))


@group
def refusals_say_why(c):
    cases = [('stranger', 'none', 'no Vigil user has the e-mail address nobody@school.example'),
             ('head', 'aud', 'issued for another application'),
             ('head', 'exp', 'has expired'),
             ('head', 'sig', 'bad signature')]
    for account, m, want in cases:
        mode(c, m)
        try:
            cookie, url = authorize(c, account)
            r = callback(c, cookie, url)
        finally:
            mode(c, 'none')
        check(r.status == 403 and want in why(r), '%s/%s: %d %s' % (account, m, r.status, why(r)))
        check('vigil_session' not in r.headers.get('set-cookie', ''), 'no session: ' + m)
    # An answer carried to another browser (its state cookie missing or another).
    cookie, url = authorize(c, 'head')
    r = expect(callback(c, 'x' * 43, url), 403, 'another browser')
    check('not started in this browser' in why(r), why(r))
    # The provider's own refusal.
    r = expect(c.srv.request('GET', '/login/oidc/callback?error=access_denied&'
                                    'error_description=user+cancelled'), 403, 'error')
    check('access_denied' in why(r) and 'user cancelled' in why(r), why(r))


def with_root(c):
    c.args_root = harness.tempfile.mkdtemp(prefix='vigil-oidc-')
    os.chmod(c.args_root, 0o755)
    c.at_exit(lambda: harness.shutil.rmtree(c.args_root, ignore_errors=True))
    setup(c)


if __name__ == '__main__':
    sys.exit(harness.main(setup=with_root, server=False, needs=[need_provider]))
