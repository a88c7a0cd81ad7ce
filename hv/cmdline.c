#include "hv/cmdline.h"

#include "hv/string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	bool found = false;

	if (!cmdline || klen == 0)
		return false;
	for (const char *p = cmdline; *p;) {
		while (is_space(*p))
			p++;
		const char *word = p;
		while (*p && !is_space(*p))
			p++;
		if ((size_t)(p - word) < klen || strncmp(word, key, klen) != 0)
			continue;
		const char *rest = word + klen;
		if (rest != p && *rest != '=')
			continue;
		found = true;
		if (!val || size == 0)
			continue;
		if (*rest == '=')
			rest++;
		size_t n = (size_t)(p - rest);
		if (n >= size)
			n = size - 1;
		memcpy(val, rest, n);
		val[n] = '\0';
	}
	return found;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

static unsigned suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	default: return 0;
	}
}

bool cmdline_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (digit_value(*s) >= (int)base)
		return false;
	for (; digit_value(*s) < (int)base; s++) {
		uint64_t d = (uint64_t)digit_value(*s);
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	unsigned shift = suffix_shift(*s);
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
		s++;
	}
	if (*s)
		return false;
	*out = v;
	return true;
}
