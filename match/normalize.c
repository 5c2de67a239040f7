/* normalize.c: folds Unicode code points into the matcher's small symbol alphabet. */
#include "normalize.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#define L(c) (SYM_A + ((c) - 'a'))
#define D(c) (SYM_DIGIT0 + ((c) - '0'))
#define SEP  SYM_SEP
#define IGN  SYM_COUNT

/* clang-format off */
const uint8_t norm_ascii[128] = {
	SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP,
	SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP, SEP,
	/* space ! " # $ % & ' ( ) * + , - . / */
	SEP, SYM_BANG, SEP, SEP, SYM_DOLLAR, SEP, SEP, IGN, SEP, SEP, SYM_MASK, SYM_PLUS, SEP, SEP, SEP, SEP,
	D('0'), D('1'), D('2'), D('3'), D('4'), D('5'), D('6'), D('7'), D('8'), D('9'),
	/* : ; < = > ? */
	SEP, SEP, SEP, SEP, SEP, SEP,
	SYM_AT, L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'), L('i'), L('j'),
	L('k'), L('l'), L('m'), L('n'), L('o'), L('p'), L('q'), L('r'), L('s'), L('t'), L('u'),
	L('v'), L('w'), L('x'), L('y'), L('z'),
	/* [ \ ] ^ _ ` */
	SEP, SEP, SEP, SEP, SEP, IGN,
	L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'), L('i'), L('j'),
	L('k'), L('l'), L('m'), L('n'), L('o'), L('p'), L('q'), L('r'), L('s'), L('t'), L('u'),
	L('v'), L('w'), L('x'), L('y'), L('z'),
	/* { | } ~ DEL */
	SEP, SYM_PIPE, SEP, SEP, SEP,
};
/* clang-format on */

#define LEET_PUNCT                                                                                 \
	(SYMBIT(SYM_AT) | SYMBIT(SYM_DOLLAR) | SYMBIT(SYM_BANG) | SYMBIT(SYM_PIPE) |               \
	 SYMBIT(SYM_PLUS) | SYMBIT(SYM_EURO) | SYMBIT(SYM_MASK))

const symmask_t norm_boundary_mask = LEET_PUNCT | SYMBIT(SYM_SEP);
const symmask_t norm_sep_mask = SYMBIT(SYM_SEP);
const symmask_t norm_word_mask =
    ((SYMBIT(SYM_DIGIT0 + 10) - 1) /* letters and digits */) | LEET_PUNCT | SYMBIT(SYM_OTHER);

/* ---- per-letter acceptance ------------------------------------------------ */

symmask_t norm_accepts(uint8_t unit, bool first)
{
	symmask_t m = SYMBIT(unit);

	if (unit >= SYM_DIGIT0)
		return m; /* digits and a literal mask match only themselves */
	switch ('a' + unit) {
	case 'a':
		m |= SYMBIT(SYM_DIGIT0 + 4) | SYMBIT(SYM_AT);
		break;
	case 'b':
		m |= SYMBIT(SYM_DIGIT0 + 8);
		break;
	case 'e':
		m |= SYMBIT(SYM_DIGIT0 + 3) | SYMBIT(SYM_EURO);
		break;
	case 'g':
		m |= SYMBIT(SYM_DIGIT0 + 9);
		break;
	case 'i':
		m |= SYMBIT(SYM_DIGIT0 + 1) | SYMBIT(SYM_BANG) | SYMBIT(SYM_PIPE);
		break;
	case 'l':
		m |= SYMBIT(SYM_DIGIT0 + 1) | SYMBIT(SYM_PIPE);
		break;
	case 'o':
		m |= SYMBIT(SYM_DIGIT0 + 0);
		break;
	case 's':
		m |= SYMBIT(SYM_DIGIT0 + 5) | SYMBIT(SYM_DOLLAR);
		break;
	case 't':
		m |= SYMBIT(SYM_DIGIT0 + 7) | SYMBIT(SYM_PLUS);
		break;
	}
	if (!first && strchr("aeiou", 'a' + unit))
		m |= SYMBIT(SYM_MASK);
	return m;
}

uint8_t norm_phrase_unit(uint8_t sym)
{
	switch (sym) {
	case SYM_AT:
		return L('a');
	case SYM_DOLLAR:
		return L('s');
	case SYM_BANG:
	case SYM_PIPE:
		return L('i');
	case SYM_PLUS:
		return L('t');
	case SYM_EURO:
		return L('e');
	}
	return sym;
}

/* ---- ICU folding ---------------------------------------------------------- */

/*
 * A page holds the mapping of 256 code points, packed per code point as
 * count (3 bits) and up to four 6-bit symbols. Pages are built on first use under
 * a lock and published with release semantics; readers need no lock.
 */
#define PAGE_SHIFT 8
#define NPAGES     (0x110000 >> PAGE_SHIFT)

static _Atomic(uint32_t *) pages[NPAGES];
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t icu_once = PTHREAD_ONCE_INIT;
static const UNormalizer2 *nfkd_cf;
static USpoofChecker *spoof;
/* Skeletons of the ASCII letters that differ from the letter ('m' -> "rn"). */
static UChar letter_skel[26][8];

static void icu_init(void)
{
	UErrorCode st = U_ZERO_ERROR;

	nfkd_cf = unorm2_getInstance(NULL, "nfkc_cf", UNORM2_DECOMPOSE, &st);
	if (U_FAILURE(st)) {
		nfkd_cf = NULL;
		return;
	}
	spoof = uspoof_open(&st);
	if (U_FAILURE(st)) {
		spoof = NULL;
		return;
	}
	for (int i = 0; i < 26; i++) {
		UChar c = (UChar)('a' + i);
		UErrorCode s2 = U_ZERO_ERROR;
		int32_t n = uspoof_getSkeleton(spoof, 0, &c, 1, letter_skel[i], 7, &s2);

		if (U_FAILURE(s2) || n <= 0 || n > 7 || (n == 1 && letter_skel[i][0] == c))
			letter_skel[i][0] = 0;
		else
			letter_skel[i][n] = 0;
	}
}

static int pack_add(uint8_t *syms, int n, uint8_t s)
{
	if (s == IGN || n >= NORM_MAX_SYMBOLS)
		return n;
	syms[n] = s;
	return n + 1;
}

static bool is_mark(UChar32 c)
{
	int8_t t = u_charType(c);

	return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK;
}

/*
 * Folds the confusable skeleton of c into ASCII symbols. Returns the number of
 * symbols, or -1 when the skeleton is not plain ASCII.
 */
static int skeleton_symbols(UChar32 c, uint8_t *syms)
{
	UChar src[2], skel[16], folded[32];
	int32_t len = 0, n, m;
	UBool err = false;
	UErrorCode st = U_ZERO_ERROR;
	int out = 0;

	U16_APPEND(src, len, 2, c, err);
	if (err)
		return -1;
	n = uspoof_getSkeleton(spoof, 0, src, len, skel, 16, &st);
	if (U_FAILURE(st) || n <= 0)
		return -1;
	skel[n] = 0;
	for (int i = 0; i < 26; i++) {
		if (letter_skel[i][0] && u_strcmp(skel, letter_skel[i]) == 0) {
			syms[0] = L('a' + i);
			return 1;
		}
	}
	st = U_ZERO_ERROR;
	m = unorm2_normalize(nfkd_cf, skel, n, folded, 32, &st);
	if (U_FAILURE(st))
		return -1;
	for (int32_t i = 0; i < m; i++) {
		UChar32 d = folded[i];

		if (d >= 0xd800 && d <= 0xdfff)
			return -1;
		if (is_mark(d))
			continue;
		if (d >= 128)
			return -1;
		out = pack_add(syms, out, norm_ascii[d]);
	}
	return out;
}

/* Maps one code point of the NFKD case-folded form (never ASCII, never a mark). */
static int fold_one(UChar32 c, uint8_t *syms, int n)
{
	uint8_t tmp[NORM_MAX_SYMBOLS];
	int k;

	if (c == 0x20ac)
		return pack_add(syms, n, SYM_EURO);
	k = skeleton_symbols(c, tmp);
	if (k < 0 && u_toupper(c) != c)
		k = skeleton_symbols(u_toupper(c), tmp);
	if (k >= 0) {
		for (int i = 0; i < k; i++)
			n = pack_add(syms, n, tmp[i]);
		return n;
	}
	if (u_charDigitValue(c) >= 0 && u_charDigitValue(c) <= 9)
		return pack_add(syms, n, (uint8_t)(SYM_DIGIT0 + u_charDigitValue(c)));
	if (u_isUAlphabetic(c))
		return pack_add(syms, n, SYM_OTHER);
	if (u_charType(c) == U_FORMAT_CHAR)
		return n;
	return pack_add(syms, n, SYM_SEP);
}

static int map_slow(UChar32 cp, uint8_t *syms)
{
	UChar src[2], dst[32];
	int32_t len = 0, m;
	UBool err = false;
	UErrorCode st = U_ZERO_ERROR;
	int n = 0;

	if (cp >= 0xd800 && cp <= 0xdfff)
		return pack_add(syms, 0, SYM_SEP);
	U16_APPEND(src, len, 2, cp, err);
	m = unorm2_normalize(nfkd_cf, src, len, dst, 32, &st);
	if (err || U_FAILURE(st))
		return pack_add(syms, 0, SYM_SEP);
	for (int32_t i = 0; i < m;) {
		UChar32 c;

		U16_NEXT(dst, i, m, c);
		if (is_mark(c))
			continue;
		if (c < 128)
			n = pack_add(syms, n, norm_ascii[c]);
		else
			n = fold_one(c, syms, n);
	}
	return n;
}

static uint32_t *build_page(uint32_t page)
{
	uint32_t *p = calloc(1u << PAGE_SHIFT, sizeof(*p));

	if (!p)
		return NULL;
	for (uint32_t i = 0; i < (1u << PAGE_SHIFT); i++) {
		uint8_t syms[NORM_MAX_SYMBOLS];
		uint32_t cp = (page << PAGE_SHIFT) | i;
		int n = cp < 128 ? pack_add(syms, 0, norm_ascii[cp]) : map_slow((UChar32)cp, syms);
		uint32_t v = (uint32_t)n;

		for (int k = 0; k < n; k++)
			v |= (uint32_t)syms[k] << (3 + 6 * k);
		p[i] = v;
	}
	return p;
}

static uint32_t *get_page(uint32_t page)
{
	uint32_t *p = atomic_load_explicit(&pages[page], memory_order_acquire);

	if (p)
		return p;
	pthread_once(&icu_once, icu_init);
	if (!nfkd_cf || !spoof)
		return NULL;
	pthread_mutex_lock(&build_lock);
	p = atomic_load_explicit(&pages[page], memory_order_relaxed);
	if (!p) {
		p = build_page(page);
		if (p)
			atomic_store_explicit(&pages[page], p, memory_order_release);
	}
	pthread_mutex_unlock(&build_lock);
	return p;
}

int norm_map(uint32_t cp, uint8_t out[NORM_MAX_SYMBOLS])
{
	uint32_t *p, v;
	int n;

	if (cp < 128)
		return pack_add(out, 0, norm_ascii[cp]);
	if (cp > 0x10ffff)
		return pack_add(out, 0, SYM_SEP);
	p = get_page(cp >> PAGE_SHIFT);
	if (!p)
		return -1;
	v = p[cp & ((1u << PAGE_SHIFT) - 1)];
	n = (int)(v & 7);
	for (int k = 0; k < n; k++)
		out[k] = (uint8_t)((v >> (3 + 6 * k)) & 63);
	return n;
}
