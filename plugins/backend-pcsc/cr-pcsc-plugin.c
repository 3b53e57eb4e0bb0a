// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend "pcsc": a card in a PC/SC reader of pcscd. One instance = one
 * reader, chosen by a regex on the reader names; keys in README.md.
 */
#include <cardroute/cardroute.h>

#include "pcsc-match.h"
#include "pcsc-slot.h"

#define PCSC_TYPE_INSTANCE (pcsc_instance_get_type())
G_DECLARE_FINAL_TYPE(PcscInstance, pcsc_instance, PCSC, INSTANCE, CrInstance)

struct _PcscInstance {
	CrInstance parent_instance;
};

G_DEFINE_TYPE(PcscInstance, pcsc_instance, CR_TYPE_INSTANCE)

static gboolean
pcsc_instance_start(CrInstance *inst, GError **error)
{
	GPtrArray *slots = cr_instance_get_backend_slots(inst);
	for (guint i = 0; i < slots->len; i++)
		pcsc_slot_start(PCSC_SLOT(slots->pdata[i]));
	return TRUE;
}

static void
pcsc_instance_stop(CrInstance *inst)
{
	GPtrArray *slots = cr_instance_get_backend_slots(inst);
	for (guint i = 0; i < slots->len; i++)
		pcsc_slot_stop(PCSC_SLOT(slots->pdata[i]));
}

static void
pcsc_instance_describe(CrInstance *inst, GVariantDict *dict)
{
	GPtrArray *slots = cr_instance_get_backend_slots(inst);
	if (slots->len > 0)
		pcsc_slot_describe(PCSC_SLOT(slots->pdata[0]), dict);
}

static void
pcsc_instance_class_init(PcscInstanceClass *klass)
{
	CrInstanceClass *ic = CR_INSTANCE_CLASS(klass);
	ic->start = pcsc_instance_start;
	ic->stop = pcsc_instance_stop;
	ic->describe = pcsc_instance_describe;
}

static void
pcsc_instance_init(PcscInstance *self)
{
}

static CrInstance *
pcsc_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	static const gchar *const shares[] = {"exclusive", "shared", NULL};
	static const gchar *const protocols[] = {"t0", "t1", "any", NULL};
	static const DWORD protocol_bits[] = {SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1,
	                                      SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1};
	g_autoptr(PcscInstance) inst = g_object_new(PCSC_TYPE_INSTANCE, NULL);
	g_autoptr(PcscSlot) slot = NULL;
	g_autofree gchar *pattern = cr_config_section_get_required(section, "reader", error);
	g_autofree gchar *message = NULL;
	guint share, protocol;
	regex_t regex;

	if (pattern == NULL ||
	    !cr_config_section_get_choice(section, "share", shares, 0, &share, error) ||
	    !cr_config_section_get_choice(section, "protocol", protocols, 2, &protocol, error))
		return NULL;
	if (!pcsc_match_compile(&regex, pattern, &message)) {
		cr_config_section_set_error(section, error, "reader",
		                            "'%s' is not a POSIX extended regex: %s", pattern,
		                            message);
		return NULL;
	}
	regfree(&regex);
	slot = pcsc_slot_new(cr_config_section_get_name(section), pattern,
	                     share == 0 ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED,
	                     protocol_bits[protocol]);
	if (!cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(slot), error))
		return NULL;
	return CR_INSTANCE(g_steal_pointer(&inst));
}

CR_PLUGIN_DEFINE("pcsc", CR_PLUGIN_KIND_BACKEND, "card in a PC/SC reader (pcscd)", pcsc_create)
