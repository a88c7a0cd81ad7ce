/* The guest's multiboot command line, as `key=value` words. */
#include "guest.h"

const char *guest_cmdline = "";

/* The word starting at `p` is `key` alone or `key=...`: where its value
 * starts (at the NUL or space after `key` if it has none), else NULL. */
static const char *match_word(const char *p, const char *key)
{
	while (*key && *p == *key) {
		p++;
		key++;
	}
	if (*key)
		return 0;
	if (*p == '=')
		return p + 1;
	return (*p == ' ' || *p == '\0') ? p : 0;
}

static const char *find(const char *key)
{
	for (const char *p = guest_cmdline; *p;) {
		const char *v = match_word(p, key);
		if (v)
			return v;
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static int digit(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
	return d >= 0 && (unsigned)d < base ? d : -1;
}

bool cmdline_value(const char *key, uint64_t *value)
{
	const char *p = find(key);
	unsigned base = 10;
	uint64_t v = 0;

	if (!p || *p == ' ' || *p == '\0')
		return false;
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	if (digit(*p, base) < 0)
		return false;
	for (; digit(*p, base) >= 0; p++)
		v = v * base + (unsigned)digit(*p, base);
	if (*p != ' ' && *p != '\0')
		return false;
	*value = v;
	return true;
}

uint64_t cmdline_uint(const char *key, uint64_t fallback)
{
	uint64_t v;
	return cmdline_value(key, &v) ? v : fallback;
}

bool cmdline_has(const char *word)
{
	return find(word) != 0;
}
