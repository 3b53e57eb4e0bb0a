// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend "pcsc": cards in the PC/SC readers of pcscd. One instance serves
 * every reader its regex matches (slots NAME.0, NAME.1, ... in order of first
 * appearance, kept by reader name while the daemon runs), or, in the
 * one-reader form (`reader` set, `readers = first`), the first matching
 * reader as the slot NAME. Keys in README.md.
 */
#include <cardroute/cardroute.h>

#include "pcsc-handoff.h"
#include "pcsc-match.h"
#include "pcsc-monitor.h"
#include "pcsc-slot.h"

#define PCSC_TYPE_INSTANCE (pcsc_instance_get_type())
G_DECLARE_FINAL_TYPE(PcscInstance, pcsc_instance, PCSC, INSTANCE, CrInstance)

struct _PcscInstance {
	CrInstance parent_instance;
	gchar *pattern; /* NULL: every reader */
	regex_t regex;
	gboolean regex_ok;
	gboolean every; /* a slot per reader; else the one slot NAME */
	DWORD share_mode;
	DWORD protocols;

	GHashTable *by_reader; /* reader name -> PcscSlot (every: kept for good) */
	guint next_index;
	PcscSlot *single; /* the one-reader form's slot */

	PcscHandoff *handoff;
	PcscMonitor *monitor;
	GHashTable *workers; /* PcscWorker (ref) -> PcscSlot, until its thread ended */
	gchar *last_down;
};

G_DEFINE_TYPE(PcscInstance, pcsc_instance, CR_TYPE_INSTANCE)

static const gchar *
inst_name(PcscInstance *self)
{
	return cr_instance_get_name(CR_INSTANCE(self));
}

static void
attach(PcscInstance *self, PcscSlot *slot, const gchar *reader)
{
	PcscWorker *worker = pcsc_slot_attach_reader(slot, reader, self->handoff);
	g_hash_table_insert(self->workers, worker, slot);
}

static PcscSlot *
slot_for_new_reader(PcscInstance *self, const gchar *reader)
{
	g_autofree gchar *name = g_strdup_printf("%s.%u", inst_name(self), self->next_index);
	g_autoptr(PcscSlot) slot = pcsc_slot_new(name, self->share_mode, self->protocols);
	g_autoptr(GError) error = NULL;

	if (!cr_instance_add_backend_slot(CR_INSTANCE(self), CR_BACKEND_SLOT(slot), &error)) {
		g_warning("%s: reader '%s' cannot become slot %s: %s", inst_name(self), reader,
		          name, error->message);
		return NULL;
	}
	self->next_index++;
	g_message("%s: reader '%s' is slot %s", inst_name(self), reader, name);
	g_hash_table_insert(self->by_reader, g_strdup(reader), slot);
	return slot;
}

static void
readers_every(PcscInstance *self, gchar **readers)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, self->by_reader);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		PcscSlot *slot = value;
		if (pcsc_slot_get_worker(slot) != NULL && !g_strv_contains((const gchar *const *)readers, key)) {
			g_autoptr(GError) reason = g_error_new(
			        CR_ERROR, CR_ERROR_BACKEND_GONE, "reader '%s' went away", (gchar *)key);
			g_message("%s: %s", cr_backend_slot_get_name(CR_BACKEND_SLOT(slot)),
			          reason->message);
			pcsc_slot_detach_reader(slot, reason);
		}
	}
	for (guint i = 0; readers[i] != NULL; i++) {
		PcscSlot *slot = g_hash_table_lookup(self->by_reader, readers[i]);
		if (slot == NULL)
			slot = slot_for_new_reader(self, readers[i]);
		if (slot != NULL && pcsc_slot_get_worker(slot) == NULL)
			attach(self, slot, readers[i]);
	}
}

static void
readers_first(PcscInstance *self, gchar **readers)
{
	PcscSlot *slot = self->single;
	PcscWorker *worker = pcsc_slot_get_worker(slot);

	if (worker != NULL) {
		if (g_strv_contains((const gchar *const *)readers, pcsc_worker_get_reader(worker)))
			return;
		g_autoptr(GError) reason =
		        g_error_new(CR_ERROR, CR_ERROR_BACKEND_GONE, "reader '%s' went away",
		                    pcsc_worker_get_reader(worker));
		g_message("%s: %s", inst_name(self), reason->message);
		pcsc_slot_detach_reader(slot, reason);
	}
	if (readers[0] != NULL) {
		attach(self, slot, readers[0]);
		return;
	}
	g_autoptr(GError) waiting = g_error_new(CR_ERROR, CR_ERROR_BACKEND_GONE,
	                                        "no PC/SC reader matches '%s' (waiting)",
	                                        self->pattern);
	g_message("%s: %s", inst_name(self), waiting->message);
	pcsc_slot_detach_reader(slot, waiting);
}

static PcscSlot *
slot_of_reader(PcscInstance *self, const gchar *reader)
{
	PcscSlot *slot;
	if (self->every)
		return g_hash_table_lookup(self->by_reader, reader);
	slot = self->single;
	return g_strcmp0(pcsc_slot_get_reader(slot), reader) == 0 ? slot : NULL;
}

static void
service_down(PcscInstance *self, const GError *error)
{
	GPtrArray *slots = cr_instance_get_backend_slots(CR_INSTANCE(self));
	g_message("%s: %s", inst_name(self), error->message);
	for (guint i = 0; i < slots->len; i++)
		pcsc_slot_detach_reader(PCSC_SLOT(slots->pdata[i]), error);
}

static void
on_event(PcscEvent *ev, gpointer user_data)
{
	PcscInstance *self = user_data;
	PcscSlot *slot;

	switch (ev->type) {
	case PCSC_EVENT_SERVICE_DOWN:
		service_down(self, ev->error);
		return;
	case PCSC_EVENT_READERS:
		if (self->every)
			readers_every(self, ev->readers);
		else
			readers_first(self, ev->readers);
		return;
	case PCSC_EVENT_CARD:
		slot = slot_of_reader(self, ev->reader);
		if (slot != NULL)
			pcsc_slot_card_event(slot, ev->present, ev->data);
		return;
	case PCSC_EVENT_EXITED:
		pcsc_worker_join(ev->source);
		g_hash_table_remove(self->workers, ev->source);
		return;
	default:
		slot = g_hash_table_lookup(self->workers, ev->source);
		if (slot != NULL)
			pcsc_slot_worker_event(slot, ev);
		return;
	}
}

static gboolean
pcsc_instance_start(CrInstance *inst, GError **error)
{
	PcscInstance *self = PCSC_INSTANCE(inst);
	if (self->handoff != NULL)
		return TRUE;
	self->handoff = pcsc_handoff_new(on_event, self, (PcscSourceUnref)pcsc_worker_unref, error);
	if (self->handoff == NULL)
		return FALSE;
	self->monitor = pcsc_monitor_new(inst_name(self), self->regex_ok ? &self->regex : NULL,
	                                 self->handoff);
	pcsc_monitor_start(self->monitor);
	return TRUE;
}

static void
pcsc_instance_stop(CrInstance *inst)
{
	PcscInstance *self = PCSC_INSTANCE(inst);
	GPtrArray *slots = cr_instance_get_backend_slots(inst);
	GHashTableIter iter;
	gpointer worker;
	g_autoptr(GError) reason = NULL;

	if (self->handoff == NULL)
		return;
	g_clear_pointer(&self->monitor, pcsc_monitor_free);
	reason = g_error_new(CR_ERROR, CR_ERROR_BACKEND_GONE, "stopped");
	for (guint i = 0; i < slots->len; i++)
		pcsc_slot_detach_reader(PCSC_SLOT(slots->pdata[i]), reason);
	g_hash_table_iter_init(&iter, self->workers);
	while (g_hash_table_iter_next(&iter, &worker, NULL)) {
		pcsc_worker_retire(worker);
		pcsc_worker_join(worker);
	}
	g_hash_table_remove_all(self->workers);
	g_clear_pointer(&self->handoff, pcsc_handoff_free);
}

static void
pcsc_instance_describe(CrInstance *inst, GVariantDict *dict)
{
	PcscInstance *self = PCSC_INSTANCE(inst);
	GPtrArray *slots = cr_instance_get_backend_slots(inst);
	GVariantBuilder readers, protocols;
	guint64 transmits = 0, resets = 0;

	g_variant_dict_insert(dict, "reader-pattern", "s", self->pattern != NULL ? self->pattern : "");
	g_variant_dict_insert(dict, "readers", "s", self->every ? "every" : "first");
	g_variant_builder_init(&readers, G_VARIANT_TYPE("a{ss}"));
	g_variant_builder_init(&protocols, G_VARIANT_TYPE("a{ss}"));
	for (guint i = 0; i < slots->len; i++) {
		PcscSlot *slot = slots->pdata[i];
		const gchar *reader = pcsc_slot_get_reader(slot);
		transmits += pcsc_slot_get_transmits(slot);
		resets += pcsc_slot_get_resets(slot);
		if (reader != NULL)
			g_variant_builder_add(&readers, "{ss}",
			                      cr_backend_slot_get_name(CR_BACKEND_SLOT(slot)), reader);
		if (pcsc_slot_get_protocol(slot) != NULL)
			g_variant_builder_add(&protocols, "{ss}",
			                      cr_backend_slot_get_name(CR_BACKEND_SLOT(slot)),
			                      pcsc_slot_get_protocol(slot));
	}
	/* slot name -> the protocol pcscd negotiated with its card */
	g_variant_dict_insert_value(dict, "slot-protocols", g_variant_builder_end(&protocols));
	/* slot name -> its reader (the slots-csv of rspro-bank matches these) */
	g_variant_dict_insert_value(dict, "slot-readers", g_variant_builder_end(&readers));
	if (slots->len == 1 && pcsc_slot_get_reader(slots->pdata[0]) != NULL)
		g_variant_dict_insert(dict, "reader", "s", pcsc_slot_get_reader(slots->pdata[0]));
	g_variant_dict_insert(dict, "transmits", "t", transmits);
	g_variant_dict_insert(dict, "resets", "t", resets);
}

static void
pcsc_instance_finalize(GObject *obj)
{
	PcscInstance *self = PCSC_INSTANCE(obj);
	pcsc_instance_stop(CR_INSTANCE(self));
	g_hash_table_unref(self->workers);
	g_hash_table_unref(self->by_reader);
	if (self->regex_ok)
		regfree(&self->regex);
	g_free(self->pattern);
	g_free(self->last_down);
	G_OBJECT_CLASS(pcsc_instance_parent_class)->finalize(obj);
}

static void
pcsc_instance_class_init(PcscInstanceClass *klass)
{
	CrInstanceClass *ic = CR_INSTANCE_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = pcsc_instance_finalize;
	ic->start = pcsc_instance_start;
	ic->stop = pcsc_instance_stop;
	ic->describe = pcsc_instance_describe;
}

static void
pcsc_instance_init(PcscInstance *self)
{
	self->by_reader = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->workers = g_hash_table_new_full(g_direct_hash, g_direct_equal,
	                                      (GDestroyNotify)pcsc_worker_unref, NULL);
}

static CrInstance *
pcsc_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	static const gchar *const shares[] = {"exclusive", "shared", NULL};
	static const gchar *const protocols[] = {"t0", "t1", "any", NULL};
	static const gchar *const modes[] = {"first", "every", NULL};
	static const DWORD protocol_bits[] = {SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1,
	                                      SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1};
	g_autoptr(PcscInstance) inst = g_object_new(PCSC_TYPE_INSTANCE, NULL);
	g_autofree gchar *message = NULL;
	guint share, protocol, mode;

	inst->pattern = cr_config_section_get_string(section, "reader", NULL);
	if (!cr_config_section_get_choice(section, "share", shares, 0, &share, error) ||
	    !cr_config_section_get_choice(section, "protocol", protocols, 2, &protocol, error) ||
	    !cr_config_section_get_choice(section, "readers", modes, inst->pattern != NULL ? 0 : 1,
	                                  &mode, error))
		return NULL;
	if (inst->pattern != NULL) {
		inst->regex_ok = pcsc_match_compile(&inst->regex, inst->pattern, &message);
		if (!inst->regex_ok) {
			cr_config_section_set_error(section, error, "reader",
			                            "'%s' is not a POSIX extended regex: %s",
			                            inst->pattern, message);
			return NULL;
		}
	} else if (mode == 0) {
		cr_config_section_set_error(section, error, "readers",
		                            "'first' needs a 'reader' pattern");
		return NULL;
	}
	inst->every = mode == 1;
	inst->share_mode = share == 0 ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
	inst->protocols = protocol_bits[protocol];
	if (!inst->every) {
		g_autoptr(PcscSlot) slot = pcsc_slot_new(cr_config_section_get_name(section),
		                                         inst->share_mode, inst->protocols);
		if (!cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(slot), error))
			return NULL;
		inst->single = slot;
	}
	return CR_INSTANCE(g_steal_pointer(&inst));
}

CR_PLUGIN_DEFINE("pcsc", CR_PLUGIN_KIND_BACKEND, "cards in PC/SC readers (pcscd)", pcsc_create)
