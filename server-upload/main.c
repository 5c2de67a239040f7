/* main.c: vigil-server's command line: settings, then the server or an admin command. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "serve.h"
#include "server.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil-server [--config FILE] [--listen ADDR:PORT] [--data DIR]\n"
	           "                    [--database postgresql://...] [--lists DIR] [--user NAME]\n"
	           "                    [--SETTING VALUE ...] [COMMAND ...]\n"
	           "Without a command, runs the server. Commands:\n"
	           "  school add NAME              create a school, print its enrolment key\n"
	           "  school revoke NAME           stop its key and all its machines\n"
	           "  user add --role moderator|headteacher|technician [--school NAME]\n"
	           "           [--email ADDR] LOGIN create a web user (password on stdin)\n"
	           "  user email LOGIN ADDR|none   set or clear a user's e-mail address\n"
	           "  user disable|passwd|logout LOGIN\n"
	           "                               a leaver: no sign-in; a new password (stdin);\n"
	           "                               each ends every session of the user\n"
	           "  machine revoke [--school NAME] MACHINE\n"
	           "  machine allow [--school NAME] MACHINE\n"
	           "                               let a revoked machine enrol again\n"
	           "  machines [--school NAME]     machines as JSON lines (online/offline)\n"
	           "  export [--since RFC3339] [--school NAME]\n"
	           "                               stored captures as JSON lines\n"
	           "  key show                     the public key that signs the phrase lists\n"
	           "  lists check                  validate the phrase-list directory\n"
	           "  apt add FILE.deb...          put agent packages into the apt repository\n"
	           "                               and publish it (docs/install.md)\n"
	           "  apt publish                  write and sign the repository's index again\n"
	           "  apt key                      its OpenPGP key's fingerprint (made if new)\n"
	           "  report --school NAME --week YYYY-Www --out FILE.html|FILE.pdf|FILE.csv\n"
	           "                               a school's weekly report\n"
	           "  report send --school NAME --week YYYY-Www\n"
	           "                               e-mail a week's summary now (also sent each\n"
	           "                               Monday at report-time)\n"
	           "  retention run [--now RFC3339] delete captures older than retention-days\n"
	           "  school alerts NAME [--contact ADDR ...] [--escalate ADDR ...]\n"
	           "                [--technician ADDR] [--threshold N] [--hours HH:MM-HH:MM]\n"
	           "                [--flag-threshold N --flags CP,CLA,...]\n"
	           "                [--ack-minutes N] [--webhook URL --webhook-secret-file FILE]\n"
	           "                               urgent alerts of a school (docs/alerts.md)\n"
	           "  alerts test ADDRESS          send a test e-mail with these settings\n"
	           "  alerts tick [--now RFC3339]  run escalation and offline alarms once\n"
	           "  pupil export|delete --school NAME USER\n"
	           "                               subject access and erasure (docs/privacy.md)\n");
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	int first = argc, r, status;

	r = config_init(&cfg);
	if (r < 0)
		snprintf(err, sizeof(err), "out of memory");
	else
		r = config_parse_args(&cfg, argc, argv, &first, usage, err, sizeof(err));
	if (r != 0) {
		if (r < 0)
			fprintf(stderr, "vigil-server: %s\n", err);
		config_clear(&cfg);
		return r > 0 ? 0 : 2;
	}
	log_setup("vigil-server", cfg.log_level);
	if (sodium_init() < 0) {
		log_error("libsodium cannot start");
		return 1;
	}
	if (config_finish(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil-server: %s\n", err);
		config_clear(&cfg);
		return 2;
	}
	if (first < argc && strcmp(argv[first], "serve") != 0) {
		if (!cli_is_command(argv[first])) {
			fprintf(stderr, "vigil-server: unknown command \"%s\"\n", argv[first]);
			usage(stderr);
			config_usage(stderr);
			status = 2;
		} else {
			status = cli_run(&cfg, argc - first, argv + first);
		}
	} else {
		status = server_run(&cfg) < 0 ? 1 : 0;
	}
	config_clear(&cfg);
	return status;
}
