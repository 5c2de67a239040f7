/* vigil-session.js: the KWin script vigil-session loads into the pupil's KWin (Plasma 5.27;
 * Plasma 6 names kept beside). It tells vigil-session every window's title and each change
 * of it, and the active window and its frame, by calling back on the session bus: KWin is the caller,
 * which vigil-session checks. vigil-session writes its own unique bus name into the copy
 * it loads (@SERVICE@), so no well-known name that a pupil's program could take first
 * stands between the two. Windows are named by KWin's own id (internalId), which stays
 * the same when the script is loaded again, so vigil-session tells each title once. A
 * script whose vigil-session has gone (killed: a new one loads a script of its own) calls
 * no more than every 30 s once its calls have gone unanswered for 30 s.
 */
var SERVICE = "@SERVICE@";
var PATH = "@PATH@";
var IFACE = "org.vigil.KWin1";
function appOf(w) {
    return String(w.desktopFileName || w.resourceClass || "");
}

/* Calls unanswered for 30 s: vigil-session has gone; then one try every 30 s at most. */
var unanswered = 0, since = 0, quiet = false;
function answered() {
    unanswered--;
    since = Date.now();
    if (quiet)
        print("vigil-session: answers again");
    quiet = false;
}

function send(method, w) {
    var now = Date.now();
    if (quiet) {
        if (now - since < 30000)
            return;
        since = now;
    } else if (unanswered > 0 && now - since > 30000) {
        quiet = true;
        since = now;
        print("vigil-session: gone; this script calls no more than every 30 s");
        return;
    }
    if (unanswered++ === 0)
        since = now;
    if (w)
        callDBus(SERVICE, PATH, IFACE, method, String(w.internalId), String(w.caption || ""), appOf(w),
            answered);
    else
        callDBus(SERVICE, PATH, IFACE, method, "", "", "", answered);
}

/* The active window's frame (title bar included), "x y width height", when it is
 * activated and as it moves: where the thumbnail of a capture is cut. */
var active = null;
function sendGeometry(w) {
    var g = w ? w.frameGeometry : null;
    if (!g || quiet)
        return;
    callDBus(SERVICE, PATH, IFACE, "Geometry", String(w.internalId),
        [Math.round(g.x), Math.round(g.y), Math.round(g.width), Math.round(g.height)].join(" "),
        "");
}

function activated(w) {
    active = w || null;
    send("Focus", active);
    sendGeometry(active);
}

function watch(w) {
    if (!w)
        return;
    w.captionChanged.connect(function () { send("Title", w); });
    if (w.frameGeometryChanged)
        w.frameGeometryChanged.connect(function () { if (w === active) sendGeometry(w); });
    send("Title", w);
}

var ws = workspace;
var list = ws.windowList ? ws.windowList() : ws.clientList();
for (var i = 0; i < list.length; i++)
    watch(list[i]);
(ws.windowAdded || ws.clientAdded).connect(watch);
(ws.windowRemoved || ws.clientRemoved).connect(function (w) { send("Closed", w); });
(ws.windowActivated || ws.clientActivated).connect(activated);
activated(ws.activeWindow !== undefined ? ws.activeWindow : ws.activeClient);
