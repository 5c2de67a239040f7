/* kwin-undumpable.c: preloaded into kwin_wayland by the KDE test: makes it undumpable, as
 * Debian's /usr/bin/kwin_wayland is (its file capability, cap_sys_resource, makes the
 * kernel do so), so that its /proc/PID/exe is closed to the pupil's other processes. The
 * test runs a copy without the capability (a container may lack it), which would not be. */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

__attribute__((constructor)) static void kwin_undumpable(void)
{
	if (strcmp(program_invocation_short_name, "kwin_wayland") == 0)
		prctl(PR_SET_DUMPABLE, 0);
}
