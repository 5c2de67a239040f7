/* automaton.c: compiles the patterns of all rules into one DFA over the symbol alphabet. */
#include "automaton.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The NFA is a trie, so that patterns sharing a beginning share states and the DFA
 * stays near the size of the trie. Node kinds:
 *   ROOT   live after a separator: phrases may start (node 0)
 *   INWORD live inside a word (node 1); has no edges
 *   CONT   a letter of a word written together; loops on itself (stretched letters)
 *   SPLIT  a letter of a word written with separators between its letters
 *   SEPT   the separators after a SPLIT letter
 *   GAP    the separators between two words of a phrase (shared by all ways of
 *          writing the word before it)
 *   TAIL   the rest of a word after a prefix ("suicid*")
 * Phrases and exclusions live in separate tries, so a DFA state can tell whether an
 * exclusion is partly matched.
 */

enum node_kind { NK_ROOT, NK_INWORD, NK_CONT, NK_SPLIT, NK_SEPT, NK_GAP, NK_TAIL };

#define ROOT           AM_ROOT
#define INWORD         AM_INWORD
#define MAX_DFA_STATES (1u << 22)

struct node {
	uint32_t parent;
	uint8_t kind;
	uint8_t unit;
	uint8_t first; /* CONT: first letter of its word */
	uint8_t excl;  /* in the exclusion trie */
};

struct feed {
	uint32_t from, gap;
};

struct final {
	uint32_t node, pattern;
};

struct builder {
	struct node *nodes;
	size_t nnodes, ncap;
	uint32_t *hash; /* node ids + 1, keyed by (parent, kind, unit, trie) */
	size_t hcap;
	struct feed *feeds;
	size_t nfeeds, fcap;
	struct final *finals;
	size_t nfinals, fincap;
	struct am_pattern *patterns;
	size_t npatterns, pcap;
};

static int grow(void *pp, size_t *cap, size_t need, size_t elsz)
{
	void **p = pp;
	size_t c = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*p, c * elsz);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t node_key(uint32_t parent, uint8_t kind, uint8_t unit, uint8_t trie)
{
	return ((uint64_t)parent << 24) | ((uint64_t)kind << 16) | ((uint64_t)unit << 8) | trie;
}

static int hash_rebuild(struct builder *b, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 2; i < b->nnodes; i++) {
		const struct node *n = &b->nodes[i];
		uint64_t k = node_key(n->parent, n->kind, n->unit, n->excl);
		size_t j = mix(k) & (cap - 1);

		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(b->hash);
	b->hash = h;
	b->hcap = cap;
	return 0;
}

/* The child of parent by (kind, unit), created on first use. Returns its id or -ENOMEM. */
static int64_t child(struct builder *b, uint32_t parent, uint8_t kind, uint8_t unit, uint8_t trie)
{
	uint64_t k = node_key(parent, kind, unit, trie);
	size_t j;
	struct node *n;

	if (b->nnodes * 2 >= b->hcap && hash_rebuild(b, b->hcap ? b->hcap * 2 : 4096) < 0)
		return -ENOMEM;
	for (j = mix(k) & (b->hcap - 1); b->hash[j]; j = (j + 1) & (b->hcap - 1)) {
		n = &b->nodes[b->hash[j] - 1];
		if (node_key(n->parent, n->kind, n->unit, n->excl) == k)
			return b->hash[j] - 1;
	}
	if (b->nnodes >= MAX_DFA_STATES || grow(&b->nodes, &b->ncap, b->nnodes + 1, sizeof(*n)) < 0)
		return -ENOMEM;
	n = &b->nodes[b->nnodes];
	n->parent = parent;
	n->kind = kind;
	n->unit = unit;
	n->first = kind == NK_CONT && b->nodes[parent].kind != NK_CONT;
	n->excl = trie;
	b->hash[j] = (uint32_t)b->nnodes + 1;
	return (int64_t)b->nnodes++;
}

static int add_feed(struct builder *b, uint32_t from, uint32_t gap)
{
	if (grow(&b->feeds, &b->fcap, b->nfeeds + 1, sizeof(*b->feeds)) < 0)
		return -ENOMEM;
	b->feeds[b->nfeeds++] = (struct feed){from, gap};
	return 0;
}

static int add_final(struct builder *b, uint32_t node, uint32_t pattern)
{
	if (grow(&b->finals, &b->fincap, b->nfinals + 1, sizeof(*b->finals)) < 0)
		return -ENOMEM;
	b->finals[b->nfinals++] = (struct final){node, pattern};
	return 0;
}

static bool word_can_split(const uint8_t *u, size_t n, size_t letters)
{
	if (n < 2 || letters < 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (u[i] >= SYM_DIGIT0)
			return false; /* digits and masks are never spelled out one by one */
	return true;
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		int64_t _r = (x);                                                                  \
		if (_r < 0)                                                                        \
			return (int)_r;                                                            \
	} while (0)

/* Adds one word after 'from' (ROOT or a GAP); fills ends[] (up to 3). */
static int add_word(struct builder *b, uint32_t from, const uint8_t *u, size_t n, bool prefix,
                    bool split, uint8_t trie, uint32_t *ends, size_t *nends)
{
	int64_t cur = from, s;

	for (size_t i = 0; i < n; i++) {
		cur = child(b, (uint32_t)cur, NK_CONT, u[i], trie);
		TRY(cur);
	}
	*nends = 0;
	ends[(*nends)++] = (uint32_t)cur;
	if (prefix) {
		int64_t t = child(b, (uint32_t)cur, NK_TAIL, 0, trie);

		TRY(t);
		ends[(*nends)++] = (uint32_t)t;
	}
	if (split) {
		s = child(b, from, NK_SPLIT, u[0], trie);
		TRY(s);
		for (size_t i = 1; i < n; i++) {
			s = child(b, (uint32_t)s, NK_SEPT, 0, trie);
			TRY(s);
			s = child(b, (uint32_t)s, NK_SPLIT, u[i], trie);
			TRY(s);
		}
		ends[(*nends)++] = (uint32_t)s;
	}
	return 0;
}

static int add_pattern(struct builder *b, const struct wl_pattern *p, uint32_t rule, uint8_t term,
                       bool excl)
{
	uint32_t pid = (uint32_t)b->npatterns, ends[3], from = ROOT;
	size_t nends = 0, off = 0, letters = wl_pattern_letters(p);
	uint8_t trie = excl ? 1 : 0;
	struct am_pattern *ap;

	if (grow(&b->patterns, &b->pcap, b->npatterns + 1, sizeof(*ap)) < 0)
		return -ENOMEM;
	ap = &b->patterns[b->npatterns++];
	memset(ap, 0, sizeof(*ap));
	ap->rule = rule;
	ap->term = term;
	ap->exclusion = excl;
	for (uint8_t w = 0; w < p->nwords; w++) {
		const uint8_t *u = p->units + off;
		size_t n = p->wlen[w];

		if (w > 0) {
			int64_t gap = child(b, ends[0], NK_GAP, 0, trie);

			TRY(gap);
			for (size_t e = 0; e < nends; e++)
				TRY(add_feed(b, ends[e], (uint32_t)gap));
			from = (uint32_t)gap;
		}
		TRY(add_word(b, from, u, n, p->prefix & (1u << w), word_can_split(u, n, letters),
		             trie, ends, &nends));
		off += n;
	}
	for (size_t e = 0; e < nends; e++)
		TRY(add_final(b, ends[e], pid));
	ap->entry = norm_accepts(p->units[0], true);
	return 0;
}

/* ---- NFA edges -------------------------------------------------------------- */

static symmask_t node_accepts(const struct node *n)
{
	switch (n->kind) {
	case NK_CONT:
		return norm_accepts(n->unit, n->first);
	case NK_SPLIT:
		return norm_accepts(n->unit, true);
	case NK_SEPT:
	case NK_GAP:
		return norm_boundary_mask;
	case NK_TAIL:
		return norm_word_mask;
	}
	return 0;
}

struct tri {
	uint32_t from;
	struct am_edge e;
};

static int edge_cmp(const void *a, const void *b)
{
	const struct tri *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->e.to != y->e.to)
		return x->e.to < y->e.to ? -1 : 1;
	return 0;
}

/* Builds the CSR edge arrays: parent -> child, feeders -> gap, feeders -> next words. */
static int build_edges(struct builder *b, struct automaton *am)
{
	struct tri *t = NULL;
	size_t nt = 0, cap = 0;
	uint32_t *kids_off = calloc(b->nnodes + 1, sizeof(uint32_t));
	uint32_t *kids = malloc(b->nnodes * sizeof(uint32_t));
	int r = -ENOMEM;

	if (!kids_off || !kids)
		goto out;
	for (size_t i = 2; i < b->nnodes; i++)
		kids_off[b->nodes[i].parent + 1]++;
	for (size_t i = 0; i < b->nnodes; i++)
		kids_off[i + 1] += kids_off[i];
	{
		uint32_t *fill = calloc(b->nnodes, sizeof(uint32_t));

		if (!fill)
			goto out;
		for (size_t i = 2; i < b->nnodes; i++) {
			uint32_t p = b->nodes[i].parent;

			kids[kids_off[p] + fill[p]++] = (uint32_t)i;
		}
		free(fill);
	}
#define EDGE(f, m, to_)                                                                            \
	do {                                                                                       \
		if (grow(&t, &cap, nt + 1, sizeof(*t)) < 0)                                        \
			goto out;                                                                  \
		t[nt++] = (struct tri){(f), {(m), (to_)}};                                         \
	} while (0)
	for (size_t i = 0; i < b->nnodes; i++) {
		const struct node *n = &b->nodes[i];

		/* its own loop: stretched letters (not digits), separators, a prefix's tail */
		if ((n->kind == NK_CONT && n->unit < SYM_DIGIT0) || n->kind == NK_SEPT ||
		    n->kind == NK_GAP || n->kind == NK_TAIL)
			EDGE((uint32_t)i, node_accepts(n), (uint32_t)i);
		for (uint32_t k = kids_off[i]; k < kids_off[i + 1]; k++) {
			uint32_t c = kids[k];

			if (b->nodes[c].kind == NK_GAP)
				continue; /* reached through the feeds below */
			EDGE((uint32_t)i, node_accepts(&b->nodes[c]), c);
		}
	}
	for (size_t f = 0; f < b->nfeeds; f++) {
		uint32_t from = b->feeds[f].from, gap = b->feeds[f].gap;

		EDGE(from, norm_boundary_mask, gap);
		for (uint32_t k = kids_off[gap]; k < kids_off[gap + 1]; k++) /* no separator */
			EDGE(from, node_accepts(&b->nodes[kids[k]]), kids[k]);
	}
#undef EDGE
	qsort(t, nt, sizeof(*t), edge_cmp);
	am->edge_off = calloc(b->nnodes + 1, sizeof(uint32_t));
	am->edges = malloc((nt ? nt : 1) * sizeof(struct am_edge));
	if (!am->edge_off || !am->edges)
		goto out;
	{
		size_t ne = 0;

		for (size_t i = 0; i < nt; i++) {
			if (ne && t[i].from == t[i - 1].from && t[i].e.to == t[i - 1].e.to) {
				am->edges[ne - 1].mask |= t[i].e.mask; /* a feed seen twice */
				continue;
			}
			am->edges[ne++] = t[i].e;
			am->edge_off[t[i].from + 1]++;
		}
		for (size_t i = 0; i < b->nnodes; i++)
			am->edge_off[i + 1] += am->edge_off[i];
		am->memory_bytes += ne * sizeof(struct am_edge);
	}
	am->memory_bytes += (b->nnodes + 1) * sizeof(uint32_t);
	am->nnfa = b->nnodes;
	r = 0;
out:
	free(t);
	free(kids_off);
	free(kids);
	return r;
}

/* ---- subset construction -------------------------------------------------- */

struct dfa_b {
	const struct automaton *am;
	const struct node *nodes;
	uint32_t *pool; /* member lists of all DFA states */
	size_t npool, poolcap;
	uint32_t *soff; /* per DFA state: start in pool; soff[n] is the end */
	size_t n, scap;
	uint32_t *hash;
	size_t hcap;
	uint32_t *trans;
	size_t tcap;
	uint32_t *tmp;
	uint32_t *mark;
	uint32_t gen;
};

static uint64_t set_hash(const uint32_t *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	for (size_t i = 0; i < n; i++)
		h = mix(h ^ s[i]);
	return h;
}

static int dfa_rehash(struct dfa_b *d, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		size_t j = set_hash(d->pool + d->soff[i], d->soff[i + 1] - d->soff[i]) & (cap - 1);

		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(d->hash);
	d->hash = h;
	d->hcap = cap;
	return 0;
}

/* The DFA state of a sorted member list, created on first use; -ENOMEM / -E2BIG. */
static int64_t intern(struct dfa_b *d, const uint32_t *s, size_t n)
{
	size_t j;

	if (d->n * 2 >= d->hcap && dfa_rehash(d, d->hcap ? d->hcap * 2 : 4096) < 0)
		return -ENOMEM;
	for (j = set_hash(s, n) & (d->hcap - 1); d->hash[j]; j = (j + 1) & (d->hcap - 1)) {
		uint32_t id = d->hash[j] - 1;
		size_t len = d->soff[id + 1] - d->soff[id];

		if (len == n && memcmp(d->pool + d->soff[id], s, n * sizeof(*s)) == 0)
			return id;
	}
	if (d->n >= MAX_DFA_STATES)
		return -E2BIG;
	if (grow(&d->pool, &d->poolcap, d->npool + n, sizeof(*d->pool)) < 0 ||
	    grow(&d->soff, &d->scap, d->n + 2, sizeof(*d->soff)) < 0 ||
	    grow(&d->trans, &d->tcap, (d->n + 1) * SYM_COUNT, sizeof(*d->trans)) < 0)
		return -ENOMEM;
	if (d->n == 0)
		d->soff[0] = 0;
	memcpy(d->pool + d->npool, s, n * sizeof(*s));
	d->npool += n;
	d->soff[d->n + 1] = (uint32_t)d->npool;
	d->hash[j] = (uint32_t)d->n + 1;
	return (int64_t)d->n++;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The state reached from members[0..n) on sym. */
static int64_t step(struct dfa_b *d, const uint32_t *members, size_t n, uint8_t sym)
{
	const struct automaton *am = d->am;
	symmask_t bit = SYMBIT(sym);
	size_t k = 0;

	if (++d->gen == 0) {
		memset(d->mark, 0, am->nnfa * sizeof(*d->mark));
		d->gen = 1;
	}
#define ADD(x)                                                                                     \
	do {                                                                                       \
		if (d->mark[x] != d->gen) {                                                        \
			d->mark[x] = d->gen;                                                       \
			d->tmp[k++] = (x);                                                         \
		}                                                                                  \
	} while (0)
	if (norm_boundary_mask & bit)
		ADD(ROOT);
	if (norm_word_mask & bit)
		ADD(INWORD);
	for (size_t i = 0; i < n; i++) {
		uint32_t m = members[i];

		for (uint32_t e = am->edge_off[m]; e < am->edge_off[m + 1]; e++)
			if (am->edges[e].mask & bit)
				ADD(am->edges[e].to);
	}
#undef ADD
	qsort(d->tmp, k, sizeof(*d->tmp), u32_cmp);
	return intern(d, d->tmp, k);
}

static int build_dfa(struct builder *b, struct automaton *am)
{
	struct dfa_b d = {.am = am, .nodes = b->nodes};
	uint32_t root_set[1] = {ROOT};
	uint32_t basenext[SYM_COUNT], rootnext[SYM_COUNT];
	int r = -ENOMEM;
	int64_t id;

	d.tmp = malloc(am->nnfa * sizeof(uint32_t));
	d.mark = calloc(am->nnfa, sizeof(uint32_t));
	if (!d.tmp || !d.mark)
		goto out;
	id = intern(&d, root_set, 1);
	if (id < 0)
		goto fail;
	for (uint8_t s = 0; s < SYM_COUNT; s++) {
		id = step(&d, NULL, 0, s);
		if (id < 0)
			goto fail;
		basenext[s] = (uint32_t)id;
		id = step(&d, root_set, 1, s);
		if (id < 0)
			goto fail;
		rootnext[s] = (uint32_t)id;
	}
	for (size_t st = 0; st < d.n; st++) {
		symmask_t interesting = 0;
		bool has_root = false;

		for (uint32_t i = d.soff[st]; i < d.soff[st + 1]; i++) {
			uint32_t m = d.pool[i];

			if (m == ROOT) {
				has_root = true;
				continue;
			}
			for (uint32_t e = am->edge_off[m]; e < am->edge_off[m + 1]; e++)
				interesting |= am->edges[e].mask;
		}
		for (uint8_t s = 0; s < SYM_COUNT; s++) {
			if (!(interesting & SYMBIT(s))) {
				d.trans[st * SYM_COUNT + s] = has_root ? rootnext[s] : basenext[s];
				continue;
			}
			id = step(&d, d.pool + d.soff[st], d.soff[st + 1] - d.soff[st], s);
			if (id < 0)
				goto fail;
			d.trans[st * SYM_COUNT + s] = (uint32_t)id;
		}
	}
	am->nstates = d.n;
	am->trans = d.trans;
	d.trans = NULL;
	am->start = 0;
	am->memory_bytes += am->nstates * SYM_COUNT * sizeof(uint32_t);

	/* per-state ready lists and exclusion liveness */
	{
		uint32_t *fin_off = calloc(am->nnfa + 1, sizeof(uint32_t));
		size_t nready = 0, cap = 0;

		am->ready_off = calloc(am->nstates + 1, sizeof(uint32_t));
		am->excl_live = calloc(am->nstates, 1);
		if (!fin_off || !am->ready_off || !am->excl_live) {
			free(fin_off);
			goto out;
		}
		/* finals sorted by node */
		for (size_t f = 0; f < b->nfinals; f++)
			fin_off[b->finals[f].node + 1]++;
		for (size_t i = 0; i < am->nnfa; i++)
			fin_off[i + 1] += fin_off[i];
		{
			uint32_t *fin = malloc((b->nfinals + 1) * sizeof(uint32_t));
			uint32_t *fill = calloc(am->nnfa, sizeof(uint32_t));

			if (!fin || !fill) {
				free(fin);
				free(fill);
				free(fin_off);
				goto out;
			}
			for (size_t f = 0; f < b->nfinals; f++) {
				uint32_t nd = b->finals[f].node;

				fin[fin_off[nd] + fill[nd]++] = b->finals[f].pattern;
			}
			free(fill);
			for (size_t st = 0; st < am->nstates; st++) {
				size_t first = nready;

				for (uint32_t i = d.soff[st]; i < d.soff[st + 1]; i++) {
					uint32_t m = d.pool[i];

					if (b->nodes[m].excl)
						am->excl_live[st] = 1;
					for (uint32_t f = fin_off[m]; f < fin_off[m + 1]; f++) {
						bool dup = false;

						for (size_t q = first; q < nready; q++)
							dup |= am->ready[q] == fin[f];
						if (dup)
							continue;
						if (grow(&am->ready, &cap, nready + 1,
						         sizeof(uint32_t)) < 0) {
							free(fin);
							free(fin_off);
							goto out;
						}
						am->ready[nready++] = fin[f];
					}
				}
				am->ready_off[st + 1] = (uint32_t)nready;
				if (nready > first)
					for (uint8_t s = 0; s < SYM_COUNT; s++)
						if (norm_boundary_mask & SYMBIT(s))
							am->trans[st * SYM_COUNT + s] |= AM_EMIT;
			}
			am->fin_off = fin_off;
			am->fin = fin;
		}
		am->memory_bytes += (am->nstates + 1) * sizeof(uint32_t) + am->nstates +
		                    nready * sizeof(uint32_t) +
		                    (am->nnfa + 1 + b->nfinals) * sizeof(uint32_t);
	}
	r = 0;
	goto out;
fail:
	r = (int)id;
out:
	free(d.pool);
	free(d.soff);
	free(d.hash);
	free(d.trans);
	free(d.tmp);
	free(d.mark);
	return r;
}

/* ---- entry points ------------------------------------------------------------ */

int automaton_build(const struct wl_set *set, struct automaton **out)
{
	struct builder b = {0};
	struct automaton *am = calloc(1, sizeof(*am));
	int r = -ENOMEM;

	if (!am || grow(&b.nodes, &b.ncap, 2, sizeof(*b.nodes)) < 0)
		goto fail;
	b.nodes[ROOT] = (struct node){.kind = NK_ROOT};
	b.nodes[INWORD] = (struct node){.kind = NK_INWORD};
	b.nnodes = 2;
	for (size_t i = 0; i < set->nrules; i++) {
		const struct wl_rule *rule = &set->rules[i];

		for (uint8_t t = 0; t < rule->nterms; t++) {
			r = add_pattern(&b, &rule->terms[t], (uint32_t)i, t,
			                rule->kind == MATCH_RULE_EXCLUSION);
			if (r < 0)
				goto fail;
		}
	}
	r = build_edges(&b, am);
	if (r < 0)
		goto fail;
	r = build_dfa(&b, am);
	if (r < 0)
		goto fail;
	am->patterns = b.patterns;
	am->npatterns = b.npatterns;
	b.patterns = NULL;
	am->memory_bytes += am->npatterns * sizeof(struct am_pattern) + sizeof(*am);
	*out = am;
	r = 0;
	goto done;
fail:
	automaton_free(am);
done:
	free(b.nodes);
	free(b.hash);
	free(b.feeds);
	free(b.finals);
	free(b.patterns);
	return r;
}

void automaton_free(struct automaton *am)
{
	if (!am)
		return;
	free(am->trans);
	free(am->ready_off);
	free(am->ready);
	free(am->excl_live);
	free(am->edge_off);
	free(am->edges);
	free(am->fin_off);
	free(am->fin);
	free(am->patterns);
	free(am);
}
