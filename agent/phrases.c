/* phrases.c: the agent's phrase lists, compiled from a directory with problems logged. */
#include "phrases.h"

#include <string.h>

#include "log.h"

int phrases_load(const char *dir, struct match_lists **out)
{
	const char *path = dir ? dir : AGENT_DEFAULT_LISTS;
	struct match_errors *errs = NULL;
	struct match_stats st;
	int r;

	r = match_lists_load(&path, 1, out, &errs);
	for (size_t i = 0; i < match_errors_count(errs); i++)
		log_msg(match_errors_is_error(errs, i) ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING, "%s",
		        match_errors_get(errs, i));
	match_errors_free(errs);
	if (r < 0) {
		log_error("phrase lists %s refused (%s); keeping the lists in use, if any", path,
		          strerror(-r));
		return r;
	}
	match_lists_stats(*out, &st);
	log_info("phrase lists %s: %zu phrases, %zu exclusions, %zu combinations, %zu KiB", path,
	         st.phrases, st.exclusions, st.combos, st.memory_bytes / 1024);
	return 0;
}
