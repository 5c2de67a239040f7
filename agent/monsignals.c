/* monsignals.c: the signals every session monitor follows: SIGTERM and SIGINT stop it, SIGHUP
 * reloads the lists. */
#include "monsignals.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "phrases.h"

int monsignals_open(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static void reload_lists(const struct monitor_params *p, struct detect *d)
{
	struct match_lists *lists;
	char version[64];

	if (phrases_load_config(p->cfg, &lists, version, sizeof(version)) < 0)
		return; /* logged; the current lists stay */
	detect_set_lists(d, lists);
	match_lists_unref(lists);
	if (p->lists_changed)
		p->lists_changed(version, p->userdata);
	log_info("lists reloaded for display %s: %s", p->display, version);
}

bool monsignals_handle(int fd, const struct monitor_params *p, struct detect *d)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload_lists(p, d);
		else
			return false;
	}
	return true;
}
