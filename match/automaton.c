/* automaton.c: compiles the patterns of all rules into one NFA over the symbol alphabet. */
#include "automaton.h"
#include "hugemem.h"
#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

#define ROOT      AM_ROOT
#define INWORD    AM_INWORD
#define MAX_NODES AM_MAX_NODES

struct node {
	uint32_t parent;
	uint8_t kind;
	uint8_t unit;
	uint8_t first;   /* CONT: first letter of its word */
	uint8_t excl;    /* in the exclusion trie */
	uint8_t wordend; /* CONT: some word ends here */
	uint32_t kid;    /* its latest child, 0 for none (node 0 is no one's child) */
	uint32_t sib;    /* the child made before this one on the same list (kid_list), or 0 */
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
	uint32_t root_kids[2][SYM_COUNT]; /* the root's children by trie and symbol */
	const uint32_t *combo_index;      /* per rule (automaton_build()) */
	struct feed *feeds;
	size_t nfeeds, fcap;
	struct final *finals;
	size_t nfinals, fincap;
	struct am_pattern *patterns;
	struct wl_pattern *pats; /* each pattern's words once */
	size_t npatterns, pcap, npats, patscap;
	uint32_t *phash; /* open addressing over pats: index + 1, 0 for none */
	size_t phcap;
	bool patterns_only; /* the tables come from an image: only the patterns are made */
	bool trie_only;     /* the patterns are made: only the trie */
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

/*
 * The head of the list of parent's children that a child with this unit is on. A node
 * has at most one child per kind and symbol, so its list is short and bounded; the root,
 * where every phrase begins, has a list per trie and symbol.
 */
static uint32_t *kid_list(struct builder *b, uint32_t parent, uint8_t unit, uint8_t trie)
{
	if (parent == ROOT && unit < SYM_COUNT)
		return &b->root_kids[trie][unit];
	return &b->nodes[parent].kid;
}

/*
 * The child of parent by (kind, unit), created on first use. Returns its id or -ENOMEM.
 * Found by walking parent's list (kid_list) rather than in a hash table of all nodes:
 * megabytes of fresh pages, each a page fault, for a table used once.
 */
static int64_t child(struct builder *b, uint32_t parent, uint8_t kind, uint8_t unit, uint8_t trie)
{
	struct node *n;

	for (uint32_t c = *kid_list(b, parent, unit, trie); c; c = b->nodes[c].sib) {
		n = &b->nodes[c];
		if (n->kind == kind && n->unit == unit && n->excl == trie)
			return c;
	}
	if (b->nnodes >= MAX_NODES || grow(&b->nodes, &b->ncap, b->nnodes + 1, sizeof(*n)) < 0)
		return -ENOMEM;
	n = &b->nodes[b->nnodes];
	n->parent = parent;
	n->kind = kind;
	n->unit = unit;
	n->first = kind == NK_CONT && b->nodes[parent].kind != NK_CONT;
	n->excl = trie;
	n->wordend = 0;
	n->kid = 0;
	n->sib = *kid_list(b, parent, unit, trie); /* after grow(): the nodes may have moved */
	*kid_list(b, parent, unit, trie) = (uint32_t)b->nnodes;
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
	b->nodes[cur].wordend = 1;
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

/* The index of p's words among the builder's pats, added when new; -ENOMEM. */
static int64_t pat_index(struct builder *b, const struct wl_pattern *p)
{
	size_t h;

	if (2 * (b->npats + 1) > b->phcap) { /* rehash into twice the room */
		size_t cap = b->phcap ? 2 * b->phcap : 4096;
		uint32_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < b->npats; i++) {
			for (h = image_hash(0, &b->pats[i], sizeof(*p)) & (cap - 1); t[h];
			     h = (h + 1) & (cap - 1))
				;
			t[h] = (uint32_t)i + 1;
		}
		free(b->phash);
		b->phash = t;
		b->phcap = cap;
	}
	for (h = image_hash(0, p, sizeof(*p)) & (b->phcap - 1); b->phash[h];
	     h = (h + 1) & (b->phcap - 1))
		if (memcmp(&b->pats[b->phash[h] - 1], p, sizeof(*p)) == 0)
			return b->phash[h] - 1;
	if (grow(&b->pats, &b->patscap, b->npats + 1, sizeof(*p)) < 0)
		return -ENOMEM;
	b->pats[b->npats] = *p;
	b->phash[h] = (uint32_t)++b->npats;
	return (int64_t)b->npats - 1;
}

static int add_pattern(struct builder *b, const struct wl_set *set, const struct wl_pattern *p,
                       uint32_t rule, uint8_t term, bool excl, uint32_t xtext)
{
	int64_t r;

	uint32_t pid = (uint32_t)b->npatterns, ends[3], from = ROOT;
	size_t nends = 0, off = 0, letters;
	uint8_t trie = excl ? 1 : 0;
	struct am_pattern *ap;

	if (b->trie_only) { /* the patterns are made: their words into the trie */
		b->npatterns++;
		goto trie;
	}
	if (grow(&b->patterns, &b->pcap, b->npatterns + 1, sizeof(*ap)) < 0)
		return -ENOMEM;
	ap = &b->patterns[b->npatterns++];
	memset(ap, 0, sizeof(*ap));
	ap->rule = rule;
	ap->term = term;
	ap->kind = (uint8_t)set->rules[rule].kind;
	ap->nterms = set->rules[rule].nterms;
	ap->combo = b->combo_index[rule] == UINT32_MAX ? 0 : b->combo_index[rule];
	ap->exclusion = excl;
	ap->xtext = xtext;
	r = pat_index(b, p);
	if (r < 0)
		return -ENOMEM;
	ap->pat = (uint32_t)r;
	if (b->patterns_only)
		return 0;
trie:
	letters = wl_pattern_letters(p);
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
		return norm_sep_mask;
	case NK_TAIL:
		return norm_word_mask;
	}
	return 0;
}

/*
 * A letter loops on itself (stretched letters) only where the next letter of some
 * phrase differs or a word ends: "kill" loops on its second l, not its first, so that
 * "kil", "kill" and "killll" each reach exactly one state.
 */
static bool stretches(const struct builder *b, size_t i)
{
	if (b->nodes[i].wordend)
		return true;
	for (uint32_t c = b->nodes[i].kid; c; c = b->nodes[c].sib)
		if (b->nodes[c].kind != NK_CONT || b->nodes[c].unit != b->nodes[i].unit)
			return true;
	return false;
}

#define CLS_SLOTS 1024 /* open addressing for at most AM_MAX_CLASSES masks */

/* The class of edges accepting mask, added when new; -1 when there are too many.
 * slots: CLS_SLOTS entries, class + 1 or 0 for none. */
static int edge_class(struct automaton *am, uint16_t *slots, symmask_t mask)
{
	size_t h = (size_t)((mask * 0x9e3779b97f4a7c15ULL) >> 54);

	for (;; h = (h + 1) & (CLS_SLOTS - 1)) {
		if (!slots[h])
			break;
		if (am->cls_mask[slots[h] - 1] == mask)
			return slots[h] - 1;
	}
	if (am->ncls == AM_MAX_CLASSES)
		return -1;
	am->cls_mask[am->ncls] = mask;
	slots[h] = (uint16_t)(am->ncls + 1);
	return (int)am->ncls++;
}

/*
 * The class of the edges into node n (what n accepts depends only on its kind, its
 * letter and whether it begins a word): memo, by those, or -1 (not known yet).
 */
static int node_class(struct automaton *am, uint16_t *slots, int16_t *memo, const struct node *n)
{
	size_t key = ((size_t)n->kind * 2 + (n->kind == NK_CONT && n->first)) * 64 +
	             (n->kind == NK_CONT || n->kind == NK_SPLIT ? n->unit & 63 : 0);

	if (memo[key] < 0)
		memo[key] = (int16_t)edge_class(am, slots, node_accepts(n));
	return memo[key];
}

static int feed_cmp(const void *a, const void *b)
{
	const struct feed *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->gap < y->gap ? -1 : x->gap > y->gap;
}

/*
 * Sorts the feeds by node, then gap, and drops repeats (the same feed is added by every
 * phrase sharing it): by node with a counting sort, then each node's few by gap, where
 * a qsort of them all was a tenth of compiling the lists.
 */
static int sort_feeds(struct builder *b)
{
	uint32_t *end = calloc(b->nnodes + 1, sizeof(uint32_t));
	struct feed *by = malloc(b->nfeeds * sizeof(*by));
	size_t k = 0;

	if (!end || !by) {
		free(end);
		free(by);
		return -ENOMEM;
	}
	for (size_t i = 0; i < b->nfeeds; i++)
		end[b->feeds[i].from + 1]++;
	for (size_t i = 0; i < b->nnodes; i++)
		end[i + 1] += end[i];
	for (size_t i = 0; i < b->nfeeds; i++) /* end[n] moves from its start to its end */
		by[end[b->feeds[i].from]++] = b->feeds[i];
	for (size_t lo = 0, hi; lo < b->nfeeds; lo = hi) {
		for (hi = lo + 1; hi < b->nfeeds && by[hi].from == by[lo].from;)
			hi++;
		if (hi - lo > 16)
			qsort(by + lo, hi - lo, sizeof(*by), feed_cmp);
		else /* by insertion: a few */
			for (size_t i = lo + 1; i < hi; i++)
				for (size_t j = i; j > lo && by[j - 1].gap > by[j].gap; j--) {
					struct feed t = by[j];

					by[j] = by[j - 1];
					by[j - 1] = t;
				}
		for (size_t i = lo; i < hi; i++)
			if (i == lo || by[i].gap != by[i - 1].gap)
				b->feeds[k++] = by[i];
	}
	b->nfeeds = k;
	free(end);
	free(by);
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Puts every node's children on its own list (kid, sib) in order of id, the order the
 * edges list them in. child() made each list newest first, and the root's by symbol.
 */
static int order_kids(struct builder *b)
{
	uint32_t *root, n = 0, c;

	for (size_t i = 1; i < b->nnodes; i++) { /* reverse: oldest first */
		uint32_t prev = 0, next;

		for (c = b->nodes[i].kid; c; c = next) {
			next = b->nodes[c].sib;
			b->nodes[c].sib = prev;
			prev = c;
		}
		b->nodes[i].kid = prev;
	}
	root = malloc(b->nnodes * sizeof(*root)); /* a few hundred at most, in practice */
	if (!root)
		return -ENOMEM;
	for (c = b->nodes[ROOT].kid; c; c = b->nodes[c].sib)
		root[n++] = c;
	for (uint8_t t = 0; t < 2; t++)
		for (uint8_t u = 0; u < SYM_COUNT; u++)
			for (c = b->root_kids[t][u]; c; c = b->nodes[c].sib)
				root[n++] = c;
	qsort(root, n, sizeof(*root), u32_cmp);
	b->nodes[ROOT].kid = 0;
	while (n--) {
		b->nodes[root[n]].sib = b->nodes[ROOT].kid;
		b->nodes[ROOT].kid = root[n];
	}
	free(root);
	return 0;
}

static bool has_loop(const struct builder *b, size_t i)
{
	const struct node *n = &b->nodes[i];

	if (n->kind == NK_CONT)
		return n->unit < SYM_DIGIT0 && stretches(b, i);
	return n->kind == NK_SEPT || n->kind == NK_GAP || n->kind == NK_TAIL;
}

/*
 * Builds the CSR edge arrays: per node its own loop, parent -> child, and for each word
 * it ends (feeds, sorted by node) -> the gap and -> the next word's first letters (words
 * written together). Two passes over the same walk: count, then fill, so no edge list
 * needs sorting.
 */
static int build_edges(struct builder *b, struct automaton *am)
{
	size_t ne = 0;
	uint16_t slots[CLS_SLOTS] = {0};
	int16_t memo[(NK_TAIL + 1) * 2 * 64];
	int r = order_kids(b);

	memset(memo, 0xff, sizeof(memo));

	if (r < 0)
		return r;
	if (b->nfeeds && (r = sort_feeds(b)) < 0)
		return r;
	am->edge_off = calloc(b->nnodes + 1, sizeof(uint32_t));
	if (!am->edge_off)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		size_t f = 0;

		ne = 0;
#define EDGE(from, nd, t)                                                                          \
	do {                                                                                       \
		if (pass) {                                                                        \
			int _c = node_class(am, slots, memo, (nd));                                \
			if (_c < 0)                                                                \
				return -E2BIG;                                                     \
			am->edges[ne] = (uint32_t)_c << 24 | (t);                                  \
		} else {                                                                           \
			am->edge_off[(from) + 1]++;                                                \
		}                                                                                  \
		ne++;                                                                              \
	} while (0)
		for (size_t i = 0; i < b->nnodes; i++) {
			if (has_loop(b, i))
				EDGE(i, &b->nodes[i], (uint32_t)i);
			for (uint32_t c = b->nodes[i].kid; c; c = b->nodes[c].sib)
				if (b->nodes[c].kind != NK_GAP) /* reached through feeds */
					EDGE(i, &b->nodes[c], c);
			for (; f < b->nfeeds && b->feeds[f].from == i; f++) {
				uint32_t gap = b->feeds[f].gap;

				EDGE(i, &b->nodes[gap], gap); /* the separators */
				for (uint32_t c = b->nodes[gap].kid; c; c = b->nodes[c].sib)
					EDGE(i, &b->nodes[c], c);
			}
		}
#undef EDGE
		if (pass)
			break;
		for (size_t i = 0; i < b->nnodes; i++)
			am->edge_off[i + 1] += am->edge_off[i];
		am->edges = hugemem_alloc((ne ? ne : 1) * sizeof(am_edge_t));
		if (!am->edges)
			return -ENOMEM;
	}
	am->memory_bytes += ne * sizeof(am_edge_t) + (b->nnodes + 1) * sizeof(uint32_t);
	am->nnfa = b->nnodes;
	return 0;
}

/* The root's targets per symbol (automaton.h), from its edges. */
static int build_root_index(struct automaton *am)
{
	uint32_t lo = am->edge_off[ROOT], hi = am->edge_off[ROOT + 1];
	size_t n = 0;

	am->root_to = malloc(((size_t)(hi - lo) * SYM_COUNT + 1) * sizeof(uint32_t));
	if (!am->root_to)
		return -ENOMEM;
	for (uint8_t sym = 0; sym < SYM_COUNT; sym++) {
		am->root_off[sym] = (uint32_t)n;
		for (uint32_t e = lo; e < hi; e++)
			if (am_edge_mask(am, am->edges[e]) & SYMBIT(sym))
				am->root_to[n++] = AM_EDGE_TO(am->edges[e]);
	}
	am->root_off[SYM_COUNT] = (uint32_t)n;
	am->memory_bytes += n * sizeof(uint32_t);
	return 0;
}

/* ---- finals and the step function --------------------------------------- */

static int build_finals(struct builder *b, struct automaton *am)
{
	size_t words = am_words(b->nnodes), k = 0;
	uint32_t *count = calloc(b->nnodes + 1, sizeof(uint32_t)), *at;

	am->fin_bits = calloc(words, sizeof(uint64_t));
	am->fin_rank = malloc(words * sizeof(uint32_t));
	am->excl_bits = calloc(words, sizeof(uint64_t));
	am->fin = malloc((b->nfinals + 1) * sizeof(uint32_t));
	if (!count || !am->fin_bits || !am->fin_rank || !am->excl_bits || !am->fin) {
		free(count);
		return -ENOMEM;
	}
	for (size_t f = 0; f < b->nfinals; f++)
		count[b->finals[f].node]++;
	for (size_t i = 0; i < b->nnodes; i++) {
		if (count[i])
			am->fin_bits[i >> 6] |= UINT64_C(1) << (i & 63);
		if (b->nodes[i].excl)
			am->excl_bits[i >> 6] |= UINT64_C(1) << (i & 63);
	}
	for (size_t w = 0; w < words; w++) {
		am->fin_rank[w] = (uint32_t)k;
		k += (size_t)__builtin_popcountll(am->fin_bits[w]);
	}
	am->nfnodes = k;
	am->nfin = b->nfinals;
	am->fin_off = malloc((k + 1) * sizeof(uint32_t));
	at = malloc((k + 1) * sizeof(uint32_t));
	if (!am->fin_off || !at) {
		free(count);
		free(at);
		return -ENOMEM;
	}
	/* by node, stable: the patterns of the k-th state with finals from fin_off[k] */
	k = 0;
	am->fin_off[0] = 0;
	for (size_t i = 0; i < b->nnodes; i++)
		if (count[i]) {
			am->fin_off[k + 1] = am->fin_off[k] + count[i];
			k++;
		}
	memcpy(at, am->fin_off, (k + 1) * sizeof(uint32_t));
	for (size_t f = 0; f < b->nfinals; f++) {
		uint32_t nd = b->finals[f].node;
		uint64_t w = am->fin_bits[nd >> 6] & ((UINT64_C(1) << (nd & 63)) - 1);

		am->fin[at[am->fin_rank[nd >> 6] + (uint32_t)__builtin_popcountll(w)]++] =
		    b->finals[f].pattern;
	}
	free(count);
	free(at);
	am->memory_bytes += words * (2 * sizeof(uint64_t) + sizeof(uint32_t)) +
	                    (am->nfnodes + 1 + b->nfinals) * sizeof(uint32_t);
	return 0;
}

static void sort_unique(uint32_t *v, size_t *n)
{
	size_t k = 0;

	for (size_t i = 1; i < *n; i++) { /* insertion sort: sets are small */
		uint32_t x = v[i];
		size_t j = i;

		while (j && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	for (size_t i = 0; i < *n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*n = k;
}

size_t automaton_step(const struct automaton *am, const uint32_t *members, size_t n, uint8_t sym,
                      uint32_t *out)
{
	symmask_t bit = SYMBIT(sym);
	size_t k = 0;

	if (norm_sep_mask & bit)
		out[k++] = AM_ROOT; /* phrases start after true separators only */
	else if (norm_word_mask & bit)
		out[k++] = AM_INWORD;
	for (size_t i = 0; i < n; i++) {
		uint32_t m = members[i];

		if (m == AM_ROOT) {
			for (uint32_t e = am->root_off[sym];
			     e < am->root_off[sym + 1] && k < AM_MAX_SET; e++)
				out[k++] = am->root_to[e];
			continue;
		}
		for (uint32_t e = am->edge_off[m]; e < am->edge_off[m + 1] && k < AM_MAX_SET; e++)
			if (am->cls_mask[AM_EDGE_CLS(am->edges[e])] & bit)
				out[k++] = AM_EDGE_TO(am->edges[e]);
	}
	sort_unique(out, &k);
	return k;
}

/* ---- entry points ------------------------------------------------------------ */

/* An upper bound of the trie's size, so its tables are sized once. */
static size_t estimate_nodes(const struct wl_set *set)
{
	size_t n = 2;

	for (size_t i = 0; i < set->nrules; i++) {
		for (uint8_t t = 0; t < set->rules[i].nterms; t++)
			n += 3 * wl_pattern_letters(&set->rules[i].terms[t]) + 8;
		for (size_t a = 0; a < set->rules[i].nalts; a++)
			n += 3 * wl_pattern_letters(&set->rules[i].alts[a].pat) + 8;
	}
	return n;
}

/* Adds the patterns of every rule, in rule order (the order of the image's finals). */
static int add_patterns(struct builder *b, const struct wl_set *set)
{
	for (size_t i = 0; i < set->nrules; i++) {
		const struct wl_rule *rule = &set->rules[i];
		bool excl = rule->kind == MATCH_RULE_EXCLUSION;
		int r;

		for (uint8_t t = 0; t < rule->nterms; t++) {
			r = add_pattern(b, set, &rule->terms[t], (uint32_t)i, t, excl,
			                rule->nxtexts && rule->nterms == 1 ? 1 : 0);
			if (r < 0)
				return r;
		}
		for (size_t a = 0; a < rule->nalts; a++) {
			r = add_pattern(b, set, &rule->alts[a].pat, (uint32_t)i, rule->alts[a].term,
			                excl, rule->alts[a].xtext);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The builder's patterns' words, packed as automaton.h says (pats). 0 or -ENOMEM. */
static int pack_pats(const struct wl_pattern *pats, size_t npats, struct automaton *am)
{
	size_t bytes = 0;

	am->pats_off = malloc((npats + 1) * sizeof(uint32_t));
	if (!am->pats_off)
		return -ENOMEM;
	for (size_t k = 0; k < npats; k++) {
		am->pats_off[k] = (uint32_t)bytes;
		bytes += 2u + pats[k].nwords + wl_pattern_units(&pats[k]);
	}
	am->pats_off[npats] = (uint32_t)bytes;
	am->pats = malloc(bytes ? bytes : 1);
	if (!am->pats)
		return -ENOMEM;
	for (size_t k = 0; k < npats; k++) {
		uint8_t *o = am->pats + am->pats_off[k];
		size_t n = wl_pattern_units(&pats[k]);

		o[0] = pats[k].nwords;
		o[1] = pats[k].prefix;
		memcpy(o + 2, pats[k].wlen, pats[k].nwords);
		memcpy(o + 2 + pats[k].nwords, pats[k].units, n);
	}
	am->npats = npats;
	return 0;
}

void am_pat_get(const struct automaton *am, uint32_t i, struct wl_pattern *out)
{
	const uint8_t *b = am_pat_bytes(am, i);

	memset(out, 0, sizeof(*out));
	out->nwords = b[0];
	out->prefix = b[1];
	memcpy(out->wlen, b + 2, out->nwords);
	memcpy(out->units, b + 2 + out->nwords, wl_pattern_units(out));
}

uint64_t automaton_key(const struct automaton *am)
{
	uint64_t h = image_hash(IMAGE_VERSION, &am->npatterns, sizeof(am->npatterns));
#ifdef VIGIL_VERSION
	/* another release may build other tables from the same patterns */
	h = image_hash(h, VIGIL_VERSION, sizeof(VIGIL_VERSION));
#endif
	symmask_t masks[2 * SYM_COUNT + 3];

	for (uint8_t u = 0; u < SYM_COUNT; u++) {
		masks[2 * u] = norm_accepts(u, false);
		masks[2 * u + 1] = norm_accepts(u, true);
	}
	masks[2 * SYM_COUNT] = norm_sep_mask;
	masks[2 * SYM_COUNT + 1] = norm_word_mask;
	masks[2 * SYM_COUNT + 2] = norm_boundary_mask;
	h = image_hash(h, masks, sizeof(masks));
	for (size_t i = 0; i < am->npatterns; i++) {
		struct wl_pattern p;
		uint8_t head[3];

		am_pat_get(am, (uint32_t)i, &p);
		head[0] = am->patterns[i].exclusion;
		head[1] = p.nwords;
		head[2] = p.prefix;
		h = image_hash(h, head, sizeof(head));
		h = image_hash(h, p.wlen, p.nwords);
		h = image_hash(h, p.units, wl_pattern_units(&p));
	}
	return h;
}

#define DEPTHS 64 /* depths told apart when numbering; deeper states go last, together */

/*
 * Numbers the NFA states by their depth from the root (the two fixed states first, the
 * same depth in the order they were made): the states ordinary text visits, the first
 * letters of words, are then together in a few pages rather than spread over the whole
 * table, so a scanner touches (and a process that maps the image counts) few pages, and
 * building a DFA state reads memory in cache. A state is made after the one that leads
 * to it, so one pass in the order they were made finds the depths; every table is read
 * in that order too. The states' edges, finals and exclusion bits follow them.
 */
static int renumber(struct automaton *am)
{
	size_t n = am->nnfa, ne = am->edge_off[n], words = am_words(n), k = 0;
	uint32_t *perm = malloc(n * sizeof(uint32_t));
	uint32_t *edge_off = malloc((n + 1) * sizeof(uint32_t)), *fin_rank = NULL, *fin_off = NULL;
	uint8_t *depth = malloc(n);
	am_edge_t *edges = hugemem_alloc((ne ? ne : 1) * sizeof(am_edge_t));
	uint64_t *fin_bits = calloc(words, sizeof(uint64_t)),
	         *excl = calloc(words, sizeof(uint64_t));
	uint32_t at[DEPTHS + 1] = {0};
	int r = -ENOMEM;

	fin_rank = malloc(words * sizeof(uint32_t));
	fin_off = malloc((2 * am->nfnodes + 1) * sizeof(uint32_t));
	if (!perm || !edge_off || !depth || !edges || !fin_bits || !excl || !fin_rank || !fin_off)
		goto out;
	memset(depth, DEPTHS - 1, n);
	for (size_t o = 0; o < n && o <= AM_INWORD; o++)
		depth[o] = 0;
	for (size_t o = 0; o < n; o++) {
		uint8_t d = depth[o] + 1 < DEPTHS ? depth[o] + 1 : DEPTHS - 1;

		for (uint32_t e = am->edge_off[o]; e < am->edge_off[o + 1]; e++) {
			uint32_t t = AM_EDGE_TO(am->edges[e]);

			if (depth[t] > d)
				depth[t] = d;
		}
		at[depth[o] + 1]++;
	}
	for (size_t d = 0; d < DEPTHS; d++)
		at[d + 1] += at[d];
	for (size_t o = 0; o < n; o++) {
		perm[o] = at[depth[o]]++;
		edge_off[perm[o] + 1] = am->edge_off[o + 1] - am->edge_off[o]; /* its edges, */
	}
	edge_off[0] = 0;
	for (size_t i = 0; i < n; i++) /* then where they start */
		edge_off[i + 1] += edge_off[i];
	for (size_t o = 0; o < n; o++) {
		uint32_t i = perm[o], e0 = edge_off[i];

		for (uint32_t e = am->edge_off[o]; e < am->edge_off[o + 1]; e++)
			edges[e0++] =
			    (am->edges[e] & ~(AM_MAX_NODES - 1)) | perm[AM_EDGE_TO(am->edges[e])];
		if (am_excl(am, o))
			excl[i >> 6] |= UINT64_C(1) << (i & 63);
		if (am->fin_bits[o >> 6] >> (o & 63) & 1)
			fin_bits[i >> 6] |= UINT64_C(1) << (i & 63);
	}
	for (size_t w = 0, c = 0; w < words; w++) {
		fin_rank[w] = (uint32_t)c;
		c += (size_t)__builtin_popcountll(fin_bits[w]);
	}
	/* the k-th state with finals in the old numbering keeps its range of fin */
	for (size_t o = 0; o < n; o++) {
		uint32_t i = perm[o];

		if (!(am->fin_bits[o >> 6] >> (o & 63) & 1))
			continue;
		i = fin_rank[i >> 6] + (uint32_t)__builtin_popcountll(
		                           fin_bits[i >> 6] & ((UINT64_C(1) << (i & 63)) - 1));
		fin_off[2 * i] = am->fin_off[k];
		fin_off[2 * i + 1] = am->fin_off[k + 1];
		k++;
	}
#define SWAP_IN(field, v)                                                                          \
	do {                                                                                       \
		free(am->field);                                                                   \
		am->field = (v);                                                                   \
		(v) = NULL;                                                                        \
	} while (0)
	SWAP_IN(edge_off, edge_off);
	SWAP_IN(edges, edges);
	SWAP_IN(fin_bits, fin_bits);
	SWAP_IN(fin_rank, fin_rank);
	SWAP_IN(fin_off, fin_off);
	SWAP_IN(excl_bits, excl);
#undef SWAP_IN
	am->memory_bytes += am->nfnodes * sizeof(uint32_t); /* fin_off holds pairs now */
	r = 0;
out:
	free(perm);
	free(depth);
	free(edge_off);
	free(edges);
	free(fin_bits);
	free(excl);
	free(fin_rank);
	free(fin_off);
	return r;
}

/* Builds the tables in memory, from the builder's patterns. */
static int build_tables(struct builder *b, const struct wl_set *set, struct automaton *am)
{
	int r;

	b->ncap = estimate_nodes(set);
	b->nodes = hugemem_alloc(b->ncap * sizeof(*b->nodes)); /* only the pages used are touched */
	if (!b->nodes)
		return -ENOMEM;
	b->nodes[ROOT] = (struct node){.kind = NK_ROOT};
	b->nodes[INWORD] = (struct node){.kind = NK_INWORD};
	b->nnodes = 2;
	b->npatterns = 0;
	r = add_patterns(b, set);
	if (r < 0)
		return r;
	r = build_edges(b, am);
	if (r < 0)
		return r;
	r = build_finals(b, am);
	if (r < 0)
		return r;
	r = renumber(am);
	if (r < 0)
		return r;
	return build_root_index(am);
}

static void free_tables(struct automaton *am)
{
	if (am->map) {
		munmap(am->map, am->map_bytes);
	} else {
		free(am->patterns);
		free(am->pats_off);
		free(am->pats);
		free(am->excl_bits);
		free(am->edge_off);
		free(am->edges);
		free(am->fin_bits);
		free(am->fin_rank);
		free(am->fin_off);
		free(am->fin);
		free(am->root_to);
	}
	am->map = NULL;
	am->patterns = NULL;
	am->pats_off = NULL;
	am->pats = NULL;
	am->excl_bits = am->fin_bits = NULL;
	am->edges = NULL;
	am->edge_off = am->fin_rank = am->fin_off = am->fin = am->root_to = NULL;
}

/*
 * Takes the tables and patterns of the image at path when they are these lists': the
 * patterns it holds must be byte for byte the ones made from the lists (am's, on the
 * heap, which are then freed). Returns 0, or a negative errno with am untouched.
 */
static int take_image(struct automaton *am, const char *path, uint64_t key)
{
	struct automaton m = *am;
	int r;

	m.map = NULL;
	r = image_map(path, key, &m);
	if (r < 0)
		return r;
	if (memcmp(m.patterns, am->patterns, am->npatterns * sizeof(*am->patterns)) != 0 ||
	    m.npats != am->npats ||
	    memcmp(m.pats_off, am->pats_off, (am->npats + 1) * sizeof(uint32_t)) != 0 ||
	    memcmp(m.pats, am->pats, am->pats_off[am->npats]) != 0) {
		munmap(m.map, m.map_bytes);
		return -EINVAL;
	}
	free_tables(am); /* am->map is NULL: the heap's */
	*am = m;
	image_release_pages(am, path);
	return 0;
}

int automaton_build(const struct wl_set *set, const uint32_t *combo_index, const char *image,
                    struct automaton **out)
{
	struct builder b = {.combo_index = combo_index, .patterns_only = true};
	struct automaton *am = calloc(1, sizeof(*am));
	uint64_t key = 0;
	int r = -ENOMEM;

	if (!am)
		goto fail;
	r = add_patterns(&b, set); /* the patterns alone: to key the image */
	if (r < 0)
		goto fail;
	am->patterns = b.patterns;
	am->npatterns = b.npatterns;
	b.patterns = NULL;
	r = pack_pats(b.pats, b.npats, am);
	if (r < 0)
		goto fail;
	free(b.pats);
	b.pats = NULL;
	free(b.phash);
	b.phash = NULL;
	for (uint8_t u = 0; u < SYM_COUNT; u++)
		am->first_mask[u] = norm_accepts(u, true);
	if (image) {
		key = automaton_key(am);
		if (take_image(am, image, key) == 0)
			goto done_tables;
	}
	b.patterns_only = false;
	b.trie_only = true;
	r = build_tables(&b, set, am);
	if (r < 0)
		goto fail;
	am->memory_bytes += am->npatterns * sizeof(struct am_pattern) +
	                    (am->npats + 1) * sizeof(uint32_t) + am->pats_off[am->npats];
	if (image && image_write(image, key, am) == 0)
		(void)take_image(am, image, key); /* else the heap's tables stay */
done_tables:
	if (am->map) /* tables and patterns are the page cache's, shared */
		am->memory_bytes = 0;
	am->memory_bytes += sizeof(*am);
	*out = am;
	r = 0;
	goto done;
fail:
	automaton_free(am);
done:
	free(b.nodes);
	free(b.feeds);
	free(b.finals);
	free(b.patterns);
	free(b.pats);
	free(b.phash);
	return r;
}

void automaton_free(struct automaton *am)
{
	if (!am)
		return;
	free_tables(am);
	free(am);
}
