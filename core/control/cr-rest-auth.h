// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REST bearer tokens with scopes. `read` may GET (the API, the event stream,
 * the metrics); `admin` may do everything. Tokens come from [router]
 * token-file (one "SCOPE TOKEN" per line), read-token / admin-token in the
 * INI, and the older rest-token-file (one token: admin). Compared in
 * constant time; wrong tokens are counted per source address and an address
 * with too many gets 429 until its window ends. Without any token only
 * loopback clients are served.
 */
#pragma once

#include <gio/gio.h>

#include <cardroute/cardroute.h>

G_BEGIN_DECLS

typedef enum {
	CR_SCOPE_NONE = 0,
	CR_SCOPE_READ = 1,
	CR_SCOPE_ADMIN = 2,
} CrScope;

const gchar *cr_scope_to_string(CrScope scope);

typedef struct _CrRestAuth CrRestAuth;

/* What the check decided for one request: status 0 lets it through. */
typedef struct {
	guint status; /* 0, 401, 403 or 429 */
	const gchar *code;
	const gchar *message;
	guint retry_after_s; /* 429 only */
	CrScope scope;
} CrAuthVerdict;

/* Reads the [router] keys (token-file, read-token, admin-token,
 * rest-token-file, auth-fail-limit, auth-fail-window). */
CrRestAuth *cr_rest_auth_new(CrConfigSection *section, GError **error);
void cr_rest_auth_free(CrRestAuth *auth);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrRestAuth, cr_rest_auth_free)

/* Parses a token file's text ("SCOPE TOKEN" lines, '#' comments) into
 * @auth; errors name the line. Pure: also the unit tests'. */
gboolean cr_rest_auth_add_tokens(CrRestAuth *auth, const gchar *text, const gchar *origin,
				 GError **error);
/* An auth with no tokens and the default limits (tests). */
CrRestAuth *cr_rest_auth_new_empty(guint fail_limit, guint fail_window_s);
gboolean cr_rest_auth_add_token(CrRestAuth *auth, CrScope scope, const gchar *token,
				GError **error);
guint cr_rest_auth_get_n_tokens(CrRestAuth *auth);

/* The scope a bearer token has (CR_SCOPE_NONE when it is none of ours),
 * in time that does not depend on where it differs. */
CrScope cr_rest_auth_lookup(CrRestAuth *auth, const gchar *token);

/* The decision for a request from @peer (NULL: unknown) at @now_us. */
void cr_rest_auth_check(CrRestAuth *auth, GInetAddress *peer, const gchar *method,
			const gchar *path, const gchar *authorization, gint64 now_us,
			CrAuthVerdict *out);

/* Loopback, IPv4-mapped loopback included. */
gboolean cr_rest_auth_is_loopback(GInetAddress *addr);

/* Prometheus text: refusals by reason, rate-limited requests. */
void cr_rest_auth_metrics(CrRestAuth *auth, GString *out);

G_END_DECLS
