/*
 * printable - make text safe for a log line; see printable.h.
 */
#include "printable.h"

/*
 * utf8_len - the length of the well-formed UTF-8 sequence at s, or 0 when
 * s does not start one. The range of the second byte rules out overlong
 * forms, surrogates and code points above U+10FFFF.
 */
static int
utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

char *
printable(char *s, int replacement)
{
	unsigned char *cp = (unsigned char *)s;
	int len;

	while (*cp) {
		if (*cp >= 0x20 && *cp <= 0x7e) {
			cp++;
		} else if ((len = utf8_len(cp)) > 0) {
			cp += len;
		} else {
			*cp++ = (unsigned char)replacement;
		}
	}
	return s;
}
