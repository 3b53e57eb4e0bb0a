// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend "soak" (tests only): a terminal that sends numbered commands in a
 * closed loop, as fast as the route answers, and checks every answer against
 * the command it was for. Command n is READ BINARY by short file id (SFI)
 * at offset n mod 256, 8 bytes; the card's EF holds 00 01 02 ... so the
 * answer names the command: an answer to another command, or bytes that
 * are not the card's, count as WRONG. A status word alone (the route's error
 * status) counts as an error, as does a failed transaction.
 *
 * Keys: transactions (how many, default 100000), sfi (default 20),
 * log (path), report-every (default 100000).
 *
 * The log gets one line per report and one at the end, flushed at once:
 *   PROGRESS sent=N ok=N errors=N wrong=N nocard=N
 *   DONE sent=N ok=N errors=N wrong=N nocard=N
 * plus the first 20 errors and every wrong answer ("ERROR ...", "WRONG ...").
 * While the card is gone (NOCARD) the loop waits for it.
 */
#define G_LOG_DOMAIN "cr-soak"

#include <stdio.h>
#include <string.h>

#include <cardroute/cardroute.h>

#define SOAK_TYPE_SLOT (soak_slot_get_type())
G_DECLARE_FINAL_TYPE(SoakSlot, soak_slot, SOAK, SLOT, CrFrontendSlot)

#define READ_LEN 8
#define ERRORS_LOGGED 20

struct _SoakSlot {
	CrFrontendSlot parent_instance;
	FILE *log;
	guint64 target;
	guint64 report_every;
	guint8 sfi;
	guint64 sent, ok, errors, wrong, nocard;
	guint idle;
	gboolean started;
	gboolean card;
	gboolean done;
	guint8 cmd[5];
};

G_DEFINE_TYPE(SoakSlot, soak_slot, CR_TYPE_FRONTEND_SLOT)

static void
report(SoakSlot *self, const gchar *what)
{
	if (self->log == NULL)
		return;
	fprintf(self->log,
		"%s sent=%" G_GUINT64_FORMAT " ok=%" G_GUINT64_FORMAT " errors=%" G_GUINT64_FORMAT
		" wrong=%" G_GUINT64_FORMAT " nocard=%" G_GUINT64_FORMAT "\n",
		what, self->sent, self->ok, self->errors, self->wrong, self->nocard);
	fflush(self->log);
}

static gboolean
send_next(gpointer user_data)
{
	SoakSlot *self = user_data;
	self->idle = 0;
	if (!self->started || !self->card || self->done ||
	    cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(self)))
		return G_SOURCE_REMOVE;
	if (self->sent >= self->target) {
		self->done = TRUE;
		report(self, "DONE");
		return G_SOURCE_REMOVE;
	}
	self->cmd[0] = 0x00;
	self->cmd[1] = 0xB0;
	self->cmd[2] = 0x80 | self->sfi;
	self->cmd[3] = (guint8)(self->sent & 0xff);
	self->cmd[4] = READ_LEN;
	self->sent++;
	cr_frontend_slot_submit(CR_FRONTEND_SLOT(self), self->cmd, sizeof(self->cmd));
	return G_SOURCE_REMOVE;
}

static void
schedule(SoakSlot *self)
{
	if (self->idle == 0 && self->started && self->card && !self->done)
		self->idle = g_idle_add(send_next, self);
}

static void
soak_card_changed(CrFrontendSlot *slot, GBytes *atr)
{
	SoakSlot *self = SOAK_SLOT(slot);
	self->card = atr != NULL;
	if (atr == NULL)
		self->nocard++;
	schedule(self);
}

static gboolean
answer_is_right(SoakSlot *self, const guint8 *resp, gsize len)
{
	guint8 off = self->cmd[3];
	if (len != READ_LEN + 2 || resp[READ_LEN] != 0x90 || resp[READ_LEN + 1] != 0x00)
		return FALSE;
	for (guint i = 0; i < READ_LEN; i++)
		if (resp[i] != (guint8)(off + i))
			return FALSE;
	return TRUE;
}

static void
soak_transaction_done(CrFrontendSlot *slot, CrTransaction *tx)
{
	SoakSlot *self = SOAK_SLOT(slot);
	const GError *error = cr_transaction_get_error(tx);
	gsize len = 0;
	const guint8 *resp = cr_transaction_get_response(tx, &len);
	if (error == NULL && resp != NULL && answer_is_right(self, resp, len)) {
		self->ok++;
	} else if (error != NULL || resp == NULL || (len == 2 && resp[0] != 0x90)) {
		if (self->errors++ < ERRORS_LOGGED && self->log != NULL) {
			g_autofree gchar *hex = resp != NULL ? cr_hex_encode(resp, len) : NULL;
			fprintf(self->log, "ERROR #%" G_GUINT64_FORMAT " %s %s\n", self->sent,
				error != NULL ? error->message : "", hex != NULL ? hex : "");
			fflush(self->log);
		}
	} else {
		g_autofree gchar *hex = cr_hex_encode(resp, len);
		self->wrong++;
		if (self->log != NULL) {
			fprintf(self->log, "WRONG #%" G_GUINT64_FORMAT " offset %02X: %s\n",
				self->sent, self->cmd[3], hex);
			fflush(self->log);
		}
	}
	if (self->report_every > 0 && self->sent % self->report_every == 0)
		report(self, "PROGRESS");
	/* no next command from inside the callback: the loop takes it */
	schedule(self);
}

static void
soak_slot_finalize(GObject *obj)
{
	SoakSlot *self = SOAK_SLOT(obj);
	if (self->idle != 0)
		g_source_remove(self->idle);
	if (self->log != NULL)
		fclose(self->log);
	G_OBJECT_CLASS(soak_slot_parent_class)->finalize(obj);
}

static void
soak_slot_class_init(SoakSlotClass *klass)
{
	CrFrontendSlotClass *fc = CR_FRONTEND_SLOT_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = soak_slot_finalize;
	fc->card_changed = soak_card_changed;
	fc->transaction_done = soak_transaction_done;
}

static void
soak_slot_init(SoakSlot *self)
{
}

#define SOAK_TYPE_INSTANCE (soak_instance_get_type())
G_DECLARE_FINAL_TYPE(SoakInstance, soak_instance, SOAK, INSTANCE, CrInstance)

struct _SoakInstance {
	CrInstance parent_instance;
};

G_DEFINE_TYPE(SoakInstance, soak_instance, CR_TYPE_INSTANCE)

static gboolean
soak_start(CrInstance *inst, GError **error)
{
	SoakSlot *s = cr_instance_get_frontend_slots(inst)->pdata[0];
	s->started = TRUE;
	cr_frontend_slot_set_state(CR_FRONTEND_SLOT(s), CR_SLOT_STATE_PRESENT, NULL);
	s->card = cr_frontend_slot_get_atr(CR_FRONTEND_SLOT(s)) != NULL;
	schedule(s);
	return TRUE;
}

static void
soak_stop(CrInstance *inst)
{
	SoakSlot *s = cr_instance_get_frontend_slots(inst)->pdata[0];
	s->started = FALSE;
	if (s->idle != 0) {
		g_source_remove(s->idle);
		s->idle = 0;
	}
	if (!s->done)
		report(s, "STOPPED");
}

static void
soak_instance_class_init(SoakInstanceClass *klass)
{
	CR_INSTANCE_CLASS(klass)->start = soak_start;
	CR_INSTANCE_CLASS(klass)->stop = soak_stop;
}

static void
soak_instance_init(SoakInstance *self)
{
}

static CrInstance *
soak_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(SoakInstance) inst = g_object_new(SOAK_TYPE_INSTANCE, NULL);
	g_autoptr(SoakSlot) slot =
		g_object_new(SOAK_TYPE_SLOT, "name", cr_config_section_get_name(section), NULL);
	g_autofree gchar *log = cr_config_section_get_string(section, "log", NULL);
	gint64 target, every, sfi;
	if (!cr_config_section_get_int(section, "transactions", 100000, 1, G_MAXINT64, &target,
				       error) ||
	    !cr_config_section_get_int(section, "report-every", 100000, 0, G_MAXINT64, &every,
				       error) ||
	    !cr_config_section_get_int(section, "sfi", 20, 1, 30, &sfi, error))
		return NULL;
	slot->target = (guint64)target;
	slot->report_every = (guint64)every;
	slot->sfi = (guint8)sfi;
	if (log != NULL) {
		slot->log = fopen(log, "a");
		if (slot->log == NULL) {
			cr_config_section_set_error(section, error, "log", "cannot open '%s'", log);
			return NULL;
		}
	}
	if (!cr_instance_add_frontend_slot(CR_INSTANCE(inst), CR_FRONTEND_SLOT(slot), error))
		return NULL;
	return CR_INSTANCE(g_steal_pointer(&inst));
}

CR_PLUGIN_DEFINE("soak", CR_PLUGIN_KIND_FRONTEND, "numbered closed-loop terminal (tests)",
		 soak_create)
