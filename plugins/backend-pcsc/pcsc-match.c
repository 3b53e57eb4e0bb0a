// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcsc-match.h"

#include <string.h>

gboolean
pcsc_match_compile(regex_t *regex, const gchar *pattern, gchar **message)
{
	int rc = regcomp(regex, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		gchar buf[256];
		regerror(rc, regex, buf, sizeof(buf));
		*message = g_strdup(buf);
		return FALSE;
	}
	return TRUE;
}

const gchar *
pcsc_match_reader(const regex_t *regex, const gchar *readers, gsize len)
{
	gsize off = 0;
	if (readers == NULL)
		return NULL;
	while (off < len && readers[off] != '\0') {
		const gchar *name = readers + off;
		gsize n = strnlen(name, len - off);
		if (off + n >= len)
			return NULL; /* not terminated inside the buffer */
		if (regexec(regex, name, 0, NULL, 0) == 0)
			return name;
		off += n + 1;
	}
	return NULL;
}
