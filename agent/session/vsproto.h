/* vsproto.h: the messages between vigil-session (run as the pupil) and the Wayland monitor. */
#pragma once

/*
 * Two SOCK_SEQPACKET socketpairs, set up by the monitor before it execs the helper as the
 * session's user: the event channel on fd VS_EVENT_FD (helper -> monitor) and the
 * screenshot channel on fd VS_SHOT_FD (monitor -> helper requests, one reply each).
 * Every message is one JSON object (UTF-8) of at most VS_MSG_MAX bytes:
 *
 *   {"ev":"hello","atspi":B,"gnome":B,"kde":B}  once, when the helper is set up
 *   {"ev":"alive"}                              every VS_ALIVE_MS
 *   {"ev":"focus","id":N,"title":S,"app":S}     the focused window (GNOME, KDE; id 0: none)
 *   {"ev":"title","id":N,"title":S,"app":S}     a window's title changed (GNOME, KDE)
 *   {"ev":"clip","text":S}                      CLIPBOARD or PRIMARY text (GNOME)
 *   {"ev":"typed","id":N,"text":S}              text an application inserted (AT-SPI)
 *   {"ev":"erase","id":N,"count":N}             characters it deleted before the caret
 *
 *   {"req":"shot"}  ->  {"width":W,"height":H} with a memfd (SCM_RIGHTS) holding W*H
 *                       0x00RRGGBB words, or {"error":S}; from GNOME's Shell and
 *                       KWin also "focus":[X,Y,W,H], the focused window's frame
 *
 * The helper runs as the pupil, who owns it: the monitor trusts nothing it says beyond
 * these bounds (a message over a bound is dropped whole).
 */

#define VS_EVENT_FD 3
#define VS_SHOT_FD  4

#define VS_MSG_MAX         (160u * 1024) /* one message, JSON included */
#define VS_CLIP_MAX        (64u * 1024)  /* clipboard text in a message */
#define VS_TYPED_MAX       256u          /* text of one typed message */
#define VS_ERASE_MAX       64            /* characters of one erase message */
#define VS_TITLE_MAX       1024u         /* a window title (AGENT_TITLE_MAX_BYTES) */
#define VS_APP_MAX         128u          /* an application id (AGENT_APP_MAX_BYTES) */
#define VS_SHOT_MAX_SIDE   16384u        /* pixels, either side */
#define VS_SHOT_MAX_PIXELS (7680u * 4320u)
#define VS_SHOT_TIMEOUT_MS 5000 /* the helper's answer to a screenshot request */
#define VS_ALIVE_MS        10000
#define VS_SILENT_MS       35000 /* a helper silent this long is stopped (SIGSTOP): tamper */
