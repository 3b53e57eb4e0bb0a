// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend "script" (tests only): a terminal that plays a list of commands
 * once the card is there and writes every outcome to a log file, one line
 * each, flushed at once:
 *   ATR <hex>            the card the terminal sees
 *   NOCARD               the card is gone
 *   > <hex>              a command submitted
 *   < <hex>              its response
 *   ! <code>: <message>  its error (with "< hex" first when both)
 *   DONE                 every command played
 * Keys: commands (hex separated by ';'), log (path), repeat (default 1),
 * interval-ms (default 0), slots (default 1: names NAME or NAME.0..),
 * extended (default false: a T=0 terminal with short APDUs; true: T=1 with
 * extended lengths, the most the core carries).
 */
#define G_LOG_DOMAIN "cr-script"

#include <stdio.h>
#include <string.h>

#include <cardroute/cardroute.h>

#define SCRIPT_TYPE_SLOT (script_slot_get_type())
G_DECLARE_FINAL_TYPE(ScriptSlot, script_slot, SCRIPT, SLOT, CrFrontendSlot)

struct _ScriptSlot {
	CrFrontendSlot parent_instance;
	GPtrArray *commands; /* GBytes */
	FILE *log;
	guint repeat;
	guint interval_ms;
	guint next;
	guint round;
	guint timer;
	gboolean started;
	gboolean running;
};

G_DEFINE_TYPE(ScriptSlot, script_slot, CR_TYPE_FRONTEND_SLOT)

static void
log_line(ScriptSlot *self, const gchar *prefix, const guint8 *buf, gsize len)
{
	if (self->log == NULL)
		return;
	fputs(prefix, self->log);
	for (gsize i = 0; buf != NULL && i < len; i++)
		fprintf(self->log, "%02X", buf[i]);
	fputc('\n', self->log);
	fflush(self->log);
}

static gboolean send_next(gpointer user_data);

static void
schedule(ScriptSlot *self)
{
	if (self->timer != 0 || !self->running)
		return;
	self->timer = g_timeout_add(self->interval_ms, send_next, self);
}

static gboolean
send_next(gpointer user_data)
{
	ScriptSlot *self = user_data;
	GBytes *cmd;
	gsize len;
	const guint8 *data;
	self->timer = 0;
	if (!self->running || cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(self)))
		return G_SOURCE_REMOVE;
	if (self->next >= self->commands->len) {
		self->next = 0;
		if (++self->round >= self->repeat) {
			self->running = FALSE;
			log_line(self, "DONE", NULL, 0);
			return G_SOURCE_REMOVE;
		}
	}
	cmd = self->commands->pdata[self->next++];
	data = g_bytes_get_data(cmd, &len);
	log_line(self, "> ", data, len);
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(self), data, len);
	return G_SOURCE_REMOVE;
}

static void
script_card_changed(CrFrontendSlot *slot, GBytes *atr)
{
	ScriptSlot *self = SCRIPT_SLOT(slot);
	if (atr == NULL) {
		log_line(self, "NOCARD", NULL, 0);
		return;
	}
	log_line(self, "ATR ", g_bytes_get_data(atr, NULL), g_bytes_get_size(atr));
	if (self->started && !self->running && self->round < self->repeat) {
		self->running = TRUE;
		schedule(self);
	}
}

static void
script_transaction_done(CrFrontendSlot *slot, CrTransaction *tx)
{
	ScriptSlot *self = SCRIPT_SLOT(slot);
	const GError *error = cr_transaction_get_error(tx);
	gsize len;
	const guint8 *resp = cr_transaction_get_response(tx, &len);
	if (resp != NULL)
		log_line(self, "< ", resp, len);
	if (error != NULL && self->log != NULL) {
		fprintf(self->log, "! %s: %s\n", cr_error_code_to_string(error->code),
			error->message);
		fflush(self->log);
	}
	/* no next command from inside the callback: the loop takes it */
	schedule(self);
}

static void
script_slot_finalize(GObject *obj)
{
	ScriptSlot *self = SCRIPT_SLOT(obj);
	if (self->timer != 0)
		g_source_remove(self->timer);
	if (self->log != NULL)
		fclose(self->log);
	g_ptr_array_unref(self->commands);
	G_OBJECT_CLASS(script_slot_parent_class)->finalize(obj);
}

static void
script_slot_class_init(ScriptSlotClass *klass)
{
	CrFrontendSlotClass *fc = CR_FRONTEND_SLOT_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = script_slot_finalize;
	fc->card_changed = script_card_changed;
	fc->transaction_done = script_transaction_done;
}

static void
script_slot_init(ScriptSlot *self)
{
	self->commands = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

#define SCRIPT_TYPE_INSTANCE (script_instance_get_type())
G_DECLARE_FINAL_TYPE(ScriptInstance, script_instance, SCRIPT, INSTANCE, CrInstance)

struct _ScriptInstance {
	CrInstance parent_instance;
};

G_DEFINE_TYPE(ScriptInstance, script_instance, CR_TYPE_INSTANCE)

static gboolean
script_start(CrInstance *inst, GError **error)
{
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);
	for (guint i = 0; i < slots->len; i++) {
		ScriptSlot *s = slots->pdata[i];
		s->started = TRUE;
		cr_frontend_slot_set_state(CR_FRONTEND_SLOT(s), CR_SLOT_STATE_PRESENT, NULL);
		if (cr_frontend_slot_get_atr(CR_FRONTEND_SLOT(s)) != NULL) {
			s->running = TRUE;
			schedule(s);
		}
	}
	return TRUE;
}

static void
script_stop(CrInstance *inst)
{
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);
	for (guint i = 0; i < slots->len; i++) {
		ScriptSlot *s = slots->pdata[i];
		s->running = FALSE;
		if (s->timer != 0) {
			g_source_remove(s->timer);
			s->timer = 0;
		}
		if (s->log != NULL) {
			fputs("STOPPED\n", s->log);
			fflush(s->log);
		}
	}
}

static void
script_instance_class_init(ScriptInstanceClass *klass)
{
	CR_INSTANCE_CLASS(klass)->start = script_start;
	CR_INSTANCE_CLASS(klass)->stop = script_stop;
}

static void
script_instance_init(ScriptInstance *self)
{
}

static gboolean
parse_commands(CrConfigSection *section, GPtrArray *out, GError **error)
{
	g_autofree gchar *text = cr_config_section_get_required(section, "commands", error);
	g_auto(GStrv) parts = NULL;
	if (text == NULL)
		return FALSE;
	parts = g_strsplit(text, ";", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		GBytes *b;
		if (g_strstrip(parts[i])[0] == '\0')
			continue;
		b = cr_hex_decode(parts[i], &local);
		if (b == NULL) {
			cr_config_section_set_error(section, error, "commands", "'%s': %s",
						    parts[i], local->message);
			return FALSE;
		}
		g_ptr_array_add(out, b);
	}
	return TRUE;
}

static CrInstance *
script_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(ScriptInstance) inst = g_object_new(SCRIPT_TYPE_INSTANCE, NULL);
	g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autofree gchar *log = cr_config_section_get_string(section, "log", NULL);
	gint64 repeat, interval, nslots;
	gboolean extended = FALSE;
	CrSlotCaps caps = CR_SLOT_CAPS_DEFAULT;
	if (!parse_commands(section, commands, error))
		return NULL;
	if (!cr_config_section_get_bool(section, "extended", FALSE, &extended, error))
		return NULL;
	if (extended)
		caps = (CrSlotCaps){CR_PROTOCOL_T1, TRUE, CR_SLOT_CAPS_EXT_MAX_COMMAND,
				    CR_SLOT_CAPS_EXT_MAX_RESPONSE};
	if (!cr_config_section_get_int(section, "repeat", 1, 1, G_MAXINT, &repeat, error) ||
	    !cr_config_section_get_int(section, "interval-ms", 0, 0, 3600000, &interval, error) ||
	    !cr_config_section_get_int(section, "slots", 1, 1, 1024, &nslots, error))
		return NULL;
	for (gint64 i = 0; i < nslots; i++) {
		g_autofree gchar *name =
			nslots == 1 ? g_strdup(cr_config_section_get_name(section))
				    : g_strdup_printf("%s.%" G_GINT64_FORMAT,
						      cr_config_section_get_name(section), i);
		g_autoptr(ScriptSlot) slot = g_object_new(SCRIPT_TYPE_SLOT, "name", name, NULL);
		for (guint k = 0; k < commands->len; k++)
			g_ptr_array_add(slot->commands, g_bytes_ref(commands->pdata[k]));
		cr_frontend_slot_set_caps(CR_FRONTEND_SLOT(slot), &caps);
		slot->repeat = (guint)repeat;
		slot->interval_ms = (guint)interval;
		if (log != NULL && i == 0) {
			slot->log = fopen(log, "a");
			if (slot->log == NULL) {
				cr_config_section_set_error(section, error, "log",
							    "cannot open '%s'", log);
				return NULL;
			}
		}
		if (!cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(slot),
						   error))
			return NULL;
	}
	return CR_INSTANCE(g_steal_pointer(&inst));
}

CR_PLUGIN_DEFINE("script", CR_PLUGIN_KIND_FRONTEND, "scripted terminal (tests)", script_create)
