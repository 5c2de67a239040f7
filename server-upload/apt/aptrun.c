/* aptrun.c: runs one of Debian's tools (dpkg-deb, apt-ftparchive, gpg) for the apt repository. */
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aptrun.h"

/* The Debian package that brings each tool, for the message when it is missing. */
static const char *package_of(const char *tool)
{
	static const struct {
		const char *tool, *pkg;
	} t[] = {{"apt-ftparchive", "apt-utils"},
	         {"gpg", "gpg"},
	         {"gpgconf", "gpgconf"},
	         {"dpkg-deb", "dpkg"},
	         {"gzip", "gzip"}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].tool, tool) == 0)
			return t[i].pkg;
	return tool;
}

static void child(const char *const argv[], const char *cwd, int out_fd, int err_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd >= 0 ? out_fd : null, 1) < 0 ||
	    dup2(err_fd, 2) < 0)
		_exit(126);
	if (cwd && chdir(cwd) < 0)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	_exit(errno == ENOENT ? 127 : 126);
}

/* Reads the tool's stderr to its end (a tool that fills the pipe would otherwise wait
 * for us) and keeps its first line in err, after "TOOL: ". */
static void first_line(const char *tool, int fd, char *err, size_t errsize)
{
	char buf[1024], drain[4096];
	size_t len = 0;
	ssize_t n;

	for (;;) {
		bool room = len < sizeof(buf) - 1;
		n = room ? read(fd, buf + len, sizeof(buf) - 1 - len)
		         : read(fd, drain, sizeof(drain));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(err, errsize, "%s: %s", tool, buf);
}

int aptrun(const char *const argv[], const char *cwd, int out_fd, char *err, size_t errsize)
{
	int pipefd[2], status;
	pid_t pid;

	snprintf(err, errsize, "%s", "");
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errsize, "%s: %s", argv[0], strerror(errno));
		return -EIO;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errsize, "%s: %s", argv[0], strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -EIO;
	}
	if (pid == 0)
		child(argv, cwd, out_fd, pipefd[1]);
	close(pipefd[1]);
	first_line(argv[0], pipefd[0], err, errsize);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errsize, "%s: %s", argv[0], strerror(errno));
			return -EIO;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(err, errsize, "%s is not installed (Debian package %s)", argv[0],
		         package_of(argv[0]));
	else if (!WIFEXITED(status))
		snprintf(err, errsize, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	else if (strlen(err) <= strlen(argv[0]) + 2)
		snprintf(err, errsize, "%s: exit status %d", argv[0], WEXITSTATUS(status));
	return -EIO;
}

int aptrun_output(const char *const argv[], const char *cwd, char *out, size_t size, size_t *len,
                  char *err, size_t errsize)
{
	int fd = memfd_create(argv[0], MFD_CLOEXEC), r;
	struct stat st;
	ssize_t n = 0;

	if (fd < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: memfd_create: %s", argv[0], strerror(-r));
		return r;
	}
	r = aptrun(argv, cwd, fd, err, errsize);
	if (r == 0 && (fstat(fd, &st) < 0 || (size_t)st.st_size >= size)) {
		r = -EFBIG;
		snprintf(err, errsize, "%s: more output than the %zu bytes expected", argv[0],
		         size);
	}
	if (r == 0 && (n = pread(fd, out, (size_t)st.st_size, 0)) != st.st_size) {
		r = -EIO;
		snprintf(err, errsize, "%s: its output could not be read back", argv[0]);
	}
	close(fd);
	if (r < 0)
		return r;
	out[n] = '\0';
	*len = (size_t)n;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -errno : 0;
}

int aptrun_remove_tree(const char *path)
{
	int r = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	return r < 0 ? -errno : r;
}
