// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REST bearer tokens with scopes (cr-rest-auth.h). A token is kept only as
 * its SHA-256 digest; a presented token is hashed and compared with every
 * digest, all bytes of all of them, so neither its length nor where it
 * differs shows in the time taken. Wrong tokens are counted per source
 * address in a fixed window; at the limit the address gets 429 with
 * Retry-After until the window ends. The table of addresses is bounded: when
 * it is full, addresses that are not in it share one entry.
 */
#define G_LOG_DOMAIN "cr-control"

#include <string.h>
#include <sys/stat.h>

#include "cr-rest-auth.h"

#define DIGEST_LEN 32
#define MAX_STRIKE_ENTRIES 4096
#define MIN_TOKEN_LEN 16
#define OVERFLOW_KEY "*"

typedef struct {
	guint8 digest[DIGEST_LEN];
	CrScope scope;
} Token;

typedef struct {
	guint failures;
	gint64 window_end_us;
	gboolean warned;
} Strikes;

struct _CrRestAuth {
	GArray *tokens; /* Token */
	guint fail_limit;
	gint64 fail_window_us;
	GHashTable *strikes; /* address text -> Strikes */
	/* refusals, for /metrics */
	guint64 refused_missing;
	guint64 refused_wrong;
	guint64 refused_scope;
	guint64 refused_not_loopback;
	guint64 rate_limited;
};

const gchar *
cr_scope_to_string(CrScope scope)
{
	switch (scope) {
	case CR_SCOPE_READ:
		return "read";
	case CR_SCOPE_ADMIN:
		return "admin";
	case CR_SCOPE_NONE:
	default:
		return "none";
	}
}

static void
digest_of(const gchar *token, guint8 out[DIGEST_LEN])
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize len = DIGEST_LEN;
	g_checksum_update(sum, (const guchar *)token, (gssize)strlen(token));
	g_checksum_get_digest(sum, out, &len);
}

CrRestAuth *
cr_rest_auth_new_empty(guint fail_limit, guint fail_window_s)
{
	CrRestAuth *auth = g_new0(CrRestAuth, 1);
	auth->tokens = g_array_new(FALSE, TRUE, sizeof(Token));
	auth->fail_limit = fail_limit;
	auth->fail_window_us = (gint64)fail_window_s * G_USEC_PER_SEC;
	auth->strikes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return auth;
}

void
cr_rest_auth_free(CrRestAuth *auth)
{
	if (auth == NULL)
		return;
	/* the digests are not secrets worth much, but leave nothing behind */
	if (auth->tokens->len > 0)
		memset(auth->tokens->data, 0, auth->tokens->len * sizeof(Token));
	g_array_unref(auth->tokens);
	g_hash_table_unref(auth->strikes);
	g_free(auth);
}

guint
cr_rest_auth_get_n_tokens(CrRestAuth *auth)
{
	return auth->tokens->len;
}

/* RFC 6750 b64token: what fits an Authorization header unquoted. */
static gboolean
token_is_valid(const gchar *token)
{
	gsize n = strlen(token);
	gsize i = 0;
	if (n == 0)
		return FALSE;
	for (; i < n && token[i] != '='; i++) {
		if (!g_ascii_isalnum(token[i]) && strchr("-._~+/", token[i]) == NULL)
			return FALSE;
	}
	for (; i < n; i++) {
		if (token[i] != '=')
			return FALSE;
	}
	return token[0] != '=';
}

gboolean
cr_rest_auth_add_token(CrRestAuth *auth, CrScope scope, const gchar *token, GError **error)
{
	Token t = {.scope = scope};
	if (!token_is_valid(token)) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
			    "a token is letters, digits and - . _ ~ + / (then '=' padding)");
		return FALSE;
	}
	if (strlen(token) < MIN_TOKEN_LEN) {
		g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
			    "a token needs at least %d characters", MIN_TOKEN_LEN);
		return FALSE;
	}
	digest_of(token, t.digest);
	for (guint i = 0; i < auth->tokens->len; i++) {
		if (memcmp(g_array_index(auth->tokens, Token, i).digest, t.digest, DIGEST_LEN) ==
		    0) {
			g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "the same token is given twice");
			return FALSE;
		}
	}
	g_array_append_val(auth->tokens, t);
	return TRUE;
}

gboolean
cr_rest_auth_add_tokens(CrRestAuth *auth, const gchar *text, const gchar *origin,
			GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		g_auto(GStrv) fields = NULL;
		gchar *line = g_strstrip(lines[i]);
		CrScope scope;
		guint n = 0;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		fields = g_strsplit_set(line, " \t", -1);
		/* "SCOPE TOKEN", any run of blanks between */
		for (guint j = 0; fields[j] != NULL; j++) {
			if (fields[j][0] != '\0')
				fields[n++] = fields[j];
			else
				g_free(fields[j]);
		}
		fields[n] = NULL;
		if (n != 2) {
			g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
				    "%s: line %u: want 'SCOPE TOKEN' (read or admin)", origin, i + 1);
			return FALSE;
		}
		if (g_str_equal(fields[0], "read")) {
			scope = CR_SCOPE_READ;
		} else if (g_str_equal(fields[0], "admin")) {
			scope = CR_SCOPE_ADMIN;
		} else {
			g_set_error(error, CR_ERROR, CR_ERROR_CONFIG,
				    "%s: line %u: unknown scope (read or admin)", origin, i + 1);
			return FALSE;
		}
		if (!cr_rest_auth_add_token(auth, scope, fields[1], &local)) {
			g_set_error(error, CR_ERROR, CR_ERROR_CONFIG, "%s: line %u: %s", origin,
				    i + 1, local->message);
			return FALSE;
		}
	}
	return TRUE;
}

static gchar *
path_near_ini(CrConfigSection *section, const gchar *path)
{
	g_autofree gchar *dir = NULL;
	if (g_path_is_absolute(path) || cr_config_section_get_file(section) == NULL)
		return g_strdup(path);
	dir = g_path_get_dirname(cr_config_section_get_file(section));
	return g_build_filename(dir, path, NULL);
}

static gboolean
read_file_key(CrRestAuth *auth, CrConfigSection *section, const gchar *key, gboolean legacy,
	      GError **error)
{
	g_autofree gchar *value = cr_config_section_get_string(section, key, NULL);
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GError) local = NULL;
	struct stat st;

	if (value == NULL || g_strstrip(value)[0] == '\0')
		return TRUE;
	path = path_near_ini(section, value);
	if (!g_file_get_contents(path, &text, NULL, &local)) {
		cr_config_section_set_error(section, error, key, "%s", local->message);
		return FALSE;
	}
	if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		g_warning("%s: group or others may read it (chmod 600)", path);
	if (legacy) {
		/* one line, the token; it may do everything (as before scopes) */
		g_strstrip(text);
		if (text[0] == '\0' || strchr(text, '\n') != NULL) {
			cr_config_section_set_error(section, error, key,
						    "%s: must hold one line, the token", path);
			return FALSE;
		}
		/* the old key took any one-line token: keep accepting what fits a
		 * header (no length or character rule beyond that) */
		for (const gchar *p = text; *p != '\0'; p++) {
			if (!g_ascii_isgraph(*p)) {
				cr_config_section_set_error(section, error, key,
							    "%s: a token has no blanks or control "
							    "characters",
							    path);
				return FALSE;
			}
		}
		Token t = {.scope = CR_SCOPE_ADMIN};
		digest_of(text, t.digest);
		g_array_append_val(auth->tokens, t);
		return TRUE;
	}
	if (!cr_rest_auth_add_tokens(auth, text, path, &local)) {
		cr_config_section_set_error(section, error, key, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
read_ini_tokens(CrRestAuth *auth, CrConfigSection *section, const gchar *key, CrScope scope,
		GError **error)
{
	g_auto(GStrv) list = cr_config_section_get_list(section, key);
	for (guint i = 0; list != NULL && list[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		gchar *token = g_strstrip(list[i]);
		if (token[0] == '\0')
			continue;
		if (!cr_rest_auth_add_token(auth, scope, token, &local)) {
			cr_config_section_set_error(section, error, key, "%s", local->message);
			return FALSE;
		}
	}
	return TRUE;
}

CrRestAuth *
cr_rest_auth_new(CrConfigSection *section, GError **error)
{
	gint64 limit = 10, window = 60;
	g_autoptr(CrRestAuth) auth = NULL;
	if (!cr_config_section_get_int(section, "auth-fail-limit", 10, 1, 1000000, &limit,
				       error) ||
	    !cr_config_section_get_int(section, "auth-fail-window", 60, 1, 86400, &window, error))
		return NULL;
	auth = cr_rest_auth_new_empty((guint)limit, (guint)window);
	if (!read_file_key(auth, section, "rest-token-file", TRUE, error) ||
	    !read_file_key(auth, section, "token-file", FALSE, error) ||
	    !read_ini_tokens(auth, section, "read-token", CR_SCOPE_READ, error) ||
	    !read_ini_tokens(auth, section, "admin-token", CR_SCOPE_ADMIN, error))
		return NULL;
	return g_steal_pointer(&auth);
}

CrScope
cr_rest_auth_lookup(CrRestAuth *auth, const gchar *token)
{
	guint8 digest[DIGEST_LEN];
	guint scope = CR_SCOPE_NONE;
	digest_of(token, digest);
	for (guint i = 0; i < auth->tokens->len; i++) {
		const Token *t = &g_array_index(auth->tokens, Token, i);
		guint diff = 0;
		for (guint j = 0; j < DIGEST_LEN; j++)
			diff |= t->digest[j] ^ digest[j];
		/* diff is 0..255: (diff - 1) >> 8 is all ones only for 0 */
		scope |= ((diff - 1) >> 8) & (guint)t->scope;
	}
	memset(digest, 0, sizeof digest);
	return (CrScope)scope;
}

gboolean
cr_rest_auth_is_loopback(GInetAddress *addr)
{
	const guint8 *b;
	if (addr == NULL)
		return FALSE;
	if (g_inet_address_get_is_loopback(addr))
		return TRUE;
	if (g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV6)
		return FALSE;
	/* ::ffff:127.x.y.z */
	b = g_inet_address_to_bytes(addr);
	for (guint i = 0; i < 10; i++) {
		if (b[i] != 0)
			return FALSE;
	}
	return b[10] == 0xff && b[11] == 0xff && b[12] == 127;
}

static gboolean
is_console_path(const gchar *method, const gchar *path)
{
	if (g_strcmp0(method, "GET") != 0 && g_strcmp0(method, "HEAD") != 0)
		return FALSE;
	return g_strcmp0(path, "/") == 0 || g_strcmp0(path, "/ui") == 0 ||
	       g_str_has_prefix(path, "/ui/");
}

static Strikes *
strikes_for(CrRestAuth *auth, const gchar *key, gint64 now_us, gboolean create)
{
	Strikes *s = g_hash_table_lookup(auth->strikes, key);
	if (s != NULL && now_us >= s->window_end_us) {
		g_hash_table_remove(auth->strikes, key);
		s = NULL;
	}
	if (s != NULL || !create)
		return s;
	if (g_hash_table_size(auth->strikes) >= MAX_STRIKE_ENTRIES) {
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, auth->strikes);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			if (now_us >= ((Strikes *)value)->window_end_us)
				g_hash_table_iter_remove(&it);
		}
		/* still full: the addresses not in the table share one entry */
		if (g_hash_table_size(auth->strikes) >= MAX_STRIKE_ENTRIES) {
			key = OVERFLOW_KEY;
			s = g_hash_table_lookup(auth->strikes, key);
			if (s != NULL)
				return s;
		}
	}
	s = g_new0(Strikes, 1);
	s->window_end_us = now_us + auth->fail_window_us;
	g_hash_table_insert(auth->strikes, g_strdup(key), s);
	return s;
}

static void
refuse(CrAuthVerdict *out, guint status, const gchar *message)
{
	out->status = status;
	out->code = status == 429 ? "rate-limited" : "auth";
	out->message = message;
}

void
cr_rest_auth_check(CrRestAuth *auth, GInetAddress *peer, const gchar *method,
		   const gchar *path, const gchar *authorization, gint64 now_us,
		   CrAuthVerdict *out)
{
	g_autofree gchar *key = peer != NULL ? g_inet_address_to_string(peer) : g_strdup("?");
	gboolean read_only = g_strcmp0(method, "GET") == 0 || g_strcmp0(method, "HEAD") == 0;
	Strikes *s;

	memset(out, 0, sizeof *out);
	if (auth->tokens->len == 0) {
		if (!cr_rest_auth_is_loopback(peer)) {
			auth->refused_not_loopback++;
			refuse(out, 403, "no REST token is configured: only loopback clients are "
					 "served");
			return;
		}
		out->scope = CR_SCOPE_ADMIN;
		return;
	}
	if (is_console_path(method, path))
		return; /* the console's files hold no data: its requests carry the token */
	s = strikes_for(auth, key, now_us, FALSE);
	if (s == NULL && g_hash_table_size(auth->strikes) >= MAX_STRIKE_ENTRIES)
		s = strikes_for(auth, OVERFLOW_KEY, now_us, FALSE);
	if (s != NULL && s->failures >= auth->fail_limit) {
		gint64 left = s->window_end_us - now_us;
		auth->rate_limited++;
		refuse(out, 429, "too many wrong tokens from this address: try again later");
		out->retry_after_s = (guint)((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
		if (out->retry_after_s == 0)
			out->retry_after_s = 1;
		return;
	}
	if (authorization == NULL || g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0) {
		auth->refused_missing++;
		refuse(out, 401, "a bearer token is required");
		return;
	}
	out->scope = cr_rest_auth_lookup(auth, authorization + 7);
	if (out->scope == CR_SCOPE_NONE) {
		auth->refused_wrong++;
		s = strikes_for(auth, key, now_us, TRUE);
		if (s != NULL && ++s->failures >= auth->fail_limit && !s->warned) {
			s->warned = TRUE;
			g_warning("REST: %s: %u wrong tokens; refused (429) for %" G_GINT64_FORMAT
				  " s",
				  key, s->failures, (s->window_end_us - now_us) / G_USEC_PER_SEC);
		}
		refuse(out, 403, "wrong token");
		return;
	}
	if (!read_only && out->scope != CR_SCOPE_ADMIN) {
		auth->refused_scope++;
		refuse(out, 403, "this token has the read scope: it may not change anything");
		return;
	}
}

void
cr_rest_auth_metrics(CrRestAuth *auth, GString *out)
{
	static const gchar name[] = "cardroute_rest_auth_refused_total";
	g_string_append_printf(out,
			       "# HELP %s REST requests refused by the token check, by reason\n"
			       "# TYPE %s counter\n",
			       name, name);
	g_string_append_printf(out, "%s{reason=\"missing\"} %" G_GUINT64_FORMAT "\n", name,
			       auth->refused_missing);
	g_string_append_printf(out, "%s{reason=\"wrong\"} %" G_GUINT64_FORMAT "\n", name,
			       auth->refused_wrong);
	g_string_append_printf(out, "%s{reason=\"scope\"} %" G_GUINT64_FORMAT "\n", name,
			       auth->refused_scope);
	g_string_append_printf(out, "%s{reason=\"not-loopback\"} %" G_GUINT64_FORMAT "\n", name,
			       auth->refused_not_loopback);
	g_string_append_printf(out, "%s{reason=\"rate-limited\"} %" G_GUINT64_FORMAT "\n", name,
			       auth->rate_limited);
	g_string_append(out,
			"# HELP cardroute_rest_auth_blocked_addresses Addresses refused with 429 "
			"now\n# TYPE cardroute_rest_auth_blocked_addresses gauge\n");
	{
		GHashTableIter it;
		gpointer value;
		guint blocked = 0;
		gint64 now = g_get_monotonic_time();
		g_hash_table_iter_init(&it, auth->strikes);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			const Strikes *s = value;
			if (now < s->window_end_us && s->failures >= auth->fail_limit)
				blocked++;
		}
		g_string_append_printf(out, "cardroute_rest_auth_blocked_addresses %u\n", blocked);
	}
}
