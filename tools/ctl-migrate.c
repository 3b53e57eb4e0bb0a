// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cardroutectl migrate remsim-bankd|remsim-client|remsim-server -- ARGS...:
 * prints the cardroute INI that does what the osmo-remsim program does with
 * these command-line arguments (options as in remsim-roles.md: short, long,
 * "--long=value" and "-xVALUE" forms). Unknown arguments are an error that
 * names them. No I/O besides printing.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

typedef struct {
	gchar short_name; /* 0: long only */
	const gchar *long_name;
	gboolean has_arg;
} Opt;

/* The parsed arguments: option long name -> value ("" without argument). */
typedef struct {
	GHashTable *values;
	GPtrArray *unknown;
} Args;

static const Opt *
find_opt(const Opt *opts, const gchar *arg, const gchar **inline_value)
{
	*inline_value = NULL;
	if (g_str_has_prefix(arg, "--")) {
		const gchar *eq = strchr(arg + 2, '=');
		gsize n = eq != NULL ? (gsize)(eq - arg - 2) : strlen(arg + 2);
		for (const Opt *o = opts; o->long_name != NULL; o++)
			if (strlen(o->long_name) == n && strncmp(o->long_name, arg + 2, n) == 0) {
				*inline_value = eq != NULL ? eq + 1 : NULL;
				return o;
			}
		return NULL;
	}
	if (arg[0] == '-' && arg[1] != '\0') {
		for (const Opt *o = opts; o->long_name != NULL; o++)
			if (o->short_name != 0 && o->short_name == arg[1]) {
				if (arg[2] != '\0') {
					if (!o->has_arg)
						return NULL;
					*inline_value = arg + 2;
				}
				return o;
			}
	}
	return NULL;
}

static gboolean
parse_args(const Opt *opts, gint argc, gchar **argv, Args *out)
{
	out->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	out->unknown = g_ptr_array_new_with_free_func(g_free);
	for (gint i = 0; i < argc; i++) {
		const gchar *value = NULL;
		const Opt *o = find_opt(opts, argv[i], &value);
		if (o == NULL) {
			g_ptr_array_add(out->unknown, g_strdup(argv[i]));
			continue;
		}
		if (o->has_arg && value == NULL) {
			if (i + 1 >= argc) {
				g_printerr("cardroutectl migrate: %s needs a value\n", argv[i]);
				return FALSE;
			}
			value = argv[++i];
		}
		g_hash_table_insert(out->values, (gpointer)o->long_name,
				    g_strdup(value != NULL ? value : ""));
	}
	return TRUE;
}

static void
args_clear(Args *args)
{
	g_clear_pointer(&args->values, g_hash_table_unref);
	g_clear_pointer(&args->unknown, g_ptr_array_unref);
}

static const gchar *
val(Args *a, const gchar *name)
{
	return g_hash_table_lookup(a->values, name);
}

/* A number as upstream's atoi() would have it, but refusing garbage. */
static gboolean
number(Args *a, const gchar *name, gint64 def, gint64 min, gint64 max, gint64 *out)
{
	const gchar *v = val(a, name);
	gchar *end = NULL;
	if (v == NULL) {
		*out = def;
		return TRUE;
	}
	*out = g_ascii_strtoll(v, &end, 10);
	if (end == v || *end != '\0' || *out < min || *out > max) {
		g_printerr("cardroutectl migrate: --%s '%s' is not a number in %" G_GINT64_FORMAT
			   "..%" G_GINT64_FORMAT "\n",
			   name, v, min, max);
		return FALSE;
	}
	return TRUE;
}

/* "HOST:PORT", with IPv6 literals in brackets */
static gchar *
host_port(const gchar *host, gint64 port)
{
	if (strchr(host, ':') != NULL)
		return g_strdup_printf("[%s]:%" G_GINT64_FORMAT, host, port);
	return g_strdup_printf("%s:%" G_GINT64_FORMAT, host, port);
}

/* libosmocore levels (-e N, -d CAT,N:...) to [router] log-level */
static const gchar *
log_level(Args *a)
{
	gint lowest = 100;
	if (val(a, "log-level") != NULL)
		lowest = atoi(val(a, "log-level"));
	if (val(a, "debug") != NULL) {
		g_auto(GStrv) cats = g_strsplit(val(a, "debug"), ":", -1);
		for (guint i = 0; cats[i] != NULL; i++) {
			const gchar *comma = strchr(cats[i], ',');
			if (comma != NULL)
				lowest = MIN(lowest, atoi(comma + 1));
		}
	}
	if (lowest <= 1)
		return "debug";
	if (lowest <= 3)
		return "info";
	if (lowest <= 5)
		return "message";
	if (lowest < 100)
		return "warning";
	return NULL;
}

static void
print_header(const gchar *program, gint argc, gchar **argv)
{
	g_autofree gchar *line = g_strjoinv(" ", argv);
	g_print("# cardroute configuration for:\n#   %s%s%s\n# (cardroutectl migrate; check "
		"it with cardrouted --check-config FILE)\n",
		program, argc > 0 ? " " : "", line);
}

static void
print_router(Args *a, const gchar *rest)
{
	const gchar *level = log_level(a);
	g_print("\n[router]\n");
	if (rest != NULL)
		g_print("rest = %s\n", rest);
	if (level != NULL)
		g_print("log-level = %s\n", level);
}

static gboolean
refuse_unknown(Args *a, const gchar *program)
{
	g_autofree gchar *list = NULL;
	if (a->unknown->len == 0)
		return FALSE;
	g_ptr_array_add(a->unknown, NULL);
	list = g_strjoinv("', '", (gchar **)a->unknown->pdata);
	g_printerr("cardroutectl migrate: %s has no argument '%s'\n", program, list);
	return TRUE;
}

/* ---- osmo-remsim-server ---- */

static const Opt server_opts[] = {
	{'h', "help", FALSE},          {'V', "version", FALSE}, {'d', "debug", TRUE},
	{'L', "disable-color", FALSE}, {0, NULL, FALSE},
};

static gint
migrate_server(Args *a)
{
	print_router(a, "0.0.0.0:9997");
	g_print("# osmo-remsim-server: RSPRO on every address, port 9998; RSRES (REST) on port\n"
		"# 9997 under /api/backend/v1 (here: the [router] rest address). Slotmaps are\n"
		"# kept across restarts in the state file (upstream: in memory only).\n"
		"\n[control:remsim]\nplugin = rspro-server\nlisten = 0.0.0.0:9998\n");
	return EXIT_OK;
}

/* ---- osmo-remsim-bankd ---- */

static const Opt bankd_opts[] = {
	{'h', "help", FALSE},		{'V', "version", FALSE},
	{'d', "debug", TRUE},		{'i', "server-host", TRUE},
	{'p', "server-port", TRUE},	{'b', "bank-id", TRUE},
	{'n', "num-slots", TRUE},	{'N', "component-name", TRUE},
	{'I', "bind-ip", TRUE},		{'P', "bind-port", TRUE},
	{'s', "permit-shared-pcsc", FALSE}, {'g', "gsmtap-ip", TRUE},
	{'G', "gsmtap-slot", TRUE},	{'L', "disable-color", FALSE},
	{'T', "timestamp", FALSE},	{'e', "log-level", TRUE},
	{0, NULL, FALSE},
};

static gint
migrate_bankd(Args *a)
{
	gint64 port, bank_id, slots, bind_port, gsmtap_slot;
	g_autofree gchar *server = NULL;
	g_autofree gchar *listen = NULL;

	if (val(a, "server-host") == NULL) {
		g_printerr("cardroutectl migrate: osmo-remsim-bankd needs -i/--server-host "
			   "(the remsim-server)\n");
		return EXIT_USAGE;
	}
	if (!number(a, "server-port", 9998, 1, 65535, &port) ||
	    !number(a, "bank-id", 1, 0, 1023, &bank_id) ||
	    !number(a, "num-slots", 8, 1, 1023, &slots) ||
	    !number(a, "bind-port", 9999, 1, 65535, &bind_port) ||
	    !number(a, "gsmtap-slot", -1, -1, 1023, &gsmtap_slot))
		return EXIT_USAGE;
	server = host_port(val(a, "server-host"), port);
	listen = host_port(val(a, "bind-ip") != NULL ? val(a, "bind-ip") : "0.0.0.0", bind_port);
	print_router(a, NULL);
	g_print("\n# the readers come from bankd_pcsc_slots.csv, as bankd reads it (bankd: from\n"
		"# its working directory, /etc/osmocom under systemd; here: next to this file).\n"
		"# Without a [backend:...] section the bank opens the PC/SC readers itself.\n"
		"[frontend:bank]\nplugin = rspro-bank\nserver = %s\nbank-id = %" G_GINT64_FORMAT
		"\nslots = %" G_GINT64_FORMAT "\nlisten = %s\nslots-csv = bankd_pcsc_slots.csv\n",
		server, bank_id, slots, listen);
	if (val(a, "component-name") != NULL)
		g_print("name = %s\n", val(a, "component-name"));
	if (val(a, "permit-shared-pcsc") != NULL)
		g_print("pcsc-share = shared\n");
	if (val(a, "gsmtap-ip") != NULL) {
		g_print("\n[tap:gsmtap]\nplugin = gsmtap\ndestination = %s\n", val(a, "gsmtap-ip"));
		if (gsmtap_slot >= 0)
			g_print("# -G %" G_GINT64_FORMAT ": only bank slot %" G_GINT64_FORMAT
				" (its slots-csv route)\nroutes = bank.%" G_GINT64_FORMAT "-csv\n",
				gsmtap_slot, gsmtap_slot, gsmtap_slot);
	}
	return EXIT_OK;
}

/* ---- osmo-remsim-client-st2 / -shell ---- */

static const Opt client_opts[] = {
	{'h', "help", FALSE},		{'v', "version", FALSE},
	{'d', "debug", TRUE},		{'i', "server-ip", TRUE},
	{'p', "server-port", TRUE},	{'c', "client-id", TRUE},
	{'n', "client-slot", TRUE},	{'a', "atr", TRUE},
	{'r', "atr-ignore-rspro", FALSE}, {'e', "event-script", TRUE},
	{'L', "disable-color", FALSE},	{'Z', "set-sim-presence", TRUE},
	{'V', "usb-vendor", TRUE},	{'P', "usb-product", TRUE},
	{'C', "usb-config", TRUE},	{'I', "usb-interface", TRUE},
	{'S', "usb-altsetting", TRUE},	{'A', "usb-address", TRUE},
	{'H', "usb-path", TRUE},	{0, NULL, FALSE},
};

static gint
migrate_client(Args *a)
{
	gint64 port, client_id, client_slot, iface, presence;
	g_autofree gchar *server = NULL;
	g_autoptr(GString) script = g_string_new(NULL);

	if (!number(a, "server-port", 9998, 1, 65535, &port) ||
	    !number(a, "client-id", 0, 0, 1023, &client_id) ||
	    !number(a, "client-slot", 0, 0, 1023, &client_slot) ||
	    !number(a, "usb-interface", -1, -1, 255, &iface) ||
	    !number(a, "set-sim-presence", -1, 0, 1, &presence))
		return EXIT_USAGE;
	server = host_port(val(a, "server-ip") != NULL ? val(a, "server-ip") : "127.0.0.1", port);
	print_router(a, NULL);
	g_print("\n# the card: this client slot in a remsim bank\n[backend:remsim]\nplugin = "
		"remote\nserver = %s\nclient-id = %" G_GINT64_FORMAT "\nclient-slot = %" G_GINT64_FORMAT
		"\n",
		server, client_id, client_slot);
	if (val(a, "atr") != NULL)
		g_print("atr = %s\n", val(a, "atr"));
	if (val(a, "atr-ignore-rspro") != NULL)
		g_print("atr-ignore = true\n");
	if (val(a, "event-script") != NULL) {
		/* the USB identity the st2 client adds, given to the script as upstream */
		if (val(a, "usb-path") != NULL)
			g_string_append_printf(script, "REMSIM_USB_PATH=%s ", val(a, "usb-path"));
		if (iface >= 0)
			g_string_append_printf(script, "REMSIM_USB_INTERFACE=%" G_GINT64_FORMAT " ",
					       iface);
		g_string_append(script, val(a, "event-script"));
		g_print("# the helper script gets every cause here (server, bank, modem status)\n"
			"event-script = %s\n",
			script->str);
	}
	g_print("\n# the modem: the SIMtrace2/sysmoQMOD cardem interface\n[frontend:modem]\n"
		"plugin = simtrace2\n");
	if (val(a, "usb-path") != NULL)
		g_print("usb-path = %s\n", val(a, "usb-path"));
	if (iface >= 0)
		g_print("interface = %" G_GINT64_FORMAT "\n", iface);
	if (presence >= 0)
		g_print("presence-polarity = %s\n", presence == 1 ? "high" : "low");
	for (const gchar *const *o = (const gchar *const[]){"usb-vendor", "usb-product", "usb-config",
							     "usb-altsetting", "usb-address", NULL};
	     *o != NULL; o++)
		if (val(a, *o) != NULL)
			g_print("# --%s %s: not needed (boards are found by their USB IDs; "
				"usb-path and interface select one)\n",
				*o, val(a, *o));
	g_print("\n[route:modem]\nfrontend = modem\nbackend = remsim\n");
	return EXIT_OK;
}

gint
ctl_migrate(gint argc, gchar **argv)
{
	static const struct {
		const gchar *kind;
		const gchar *program;
		const Opt *opts;
		gint (*func)(Args *a);
	} kinds[] = {
		{"remsim-bankd", "osmo-remsim-bankd", bankd_opts, migrate_bankd},
		{"remsim-client", "osmo-remsim-client-st2", client_opts, migrate_client},
		{"remsim-server", "osmo-remsim-server", server_opts, migrate_server},
	};
	Args a = {0};
	gint rest = 2;
	gint rc = EXIT_USAGE;

	/* argv: "migrate" KIND [--] ARGS... */
	if (argc < 2) {
		g_printerr("cardroutectl migrate: usage: cardroutectl migrate "
			   "remsim-bankd|remsim-client|remsim-server -- ARGS...\n");
		return EXIT_USAGE;
	}
	if (argc > 2 && g_str_equal(argv[2], "--"))
		rest = 3;
	for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
		if (!g_str_equal(argv[1], kinds[k].kind))
			continue;
		if (!parse_args(kinds[k].opts, argc - rest, argv + rest, &a))
			break;
		if (refuse_unknown(&a, kinds[k].program))
			break;
		if (val(&a, "help") != NULL || val(&a, "version") != NULL) {
			g_printerr("cardroutectl migrate: -h/--version print and exit upstream; "
				   "nothing to migrate\n");
			break;
		}
		print_header(kinds[k].program, argc - rest, argv + rest);
		rc = kinds[k].func(&a);
		break;
	}
	if (a.values == NULL && rc == EXIT_USAGE && argc >= 2) {
		gboolean known = FALSE;
		for (guint k = 0; k < G_N_ELEMENTS(kinds); k++)
			known |= g_str_equal(argv[1], kinds[k].kind);
		if (!known)
			g_printerr("cardroutectl migrate: unknown program '%s' (remsim-bankd, "
				   "remsim-client or remsim-server)\n",
				   argv[1]);
	}
	args_clear(&a);
	return rc;
}
