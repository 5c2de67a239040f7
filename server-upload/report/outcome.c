/* outcome.c: how a capture's case ended: the outcomes a designated safeguarding lead records. */
#include "outcome.h"

#include <string.h>

/* From the least to the most serious; "Other" last. */
static const struct outcome outcomes[] = {
    {"no-further-action", "No further action"},
    {"support-in-school", "Support given in school"},
    {"behaviour-policy", "Dealt with under the behaviour policy"},
    {"parents-contacted", "Parents/carers contacted"},
    {"early-help", "Early help"},
    {"social-care", "Referred to children's social care"},
    {"police", "Reported to police"},
    {"ceop", "Reported to CEOP"},
    {OUTCOME_OTHER, "Other"},
};

size_t outcome_count(void)
{
	return sizeof(outcomes) / sizeof(outcomes[0]);
}

const struct outcome *outcome_at(size_t i)
{
	return i < outcome_count() ? &outcomes[i] : NULL;
}

int outcome_index(const char *key)
{
	for (size_t i = 0; key && i < outcome_count(); i++)
		if (strcmp(outcomes[i].key, key) == 0)
			return (int)i;
	return -1;
}

const char *outcome_words(const char *key)
{
	int i = outcome_index(key);

	return i >= 0 ? outcomes[i].words : key ? key : "";
}
