// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backend "echo" (tests only): a card that answers every command with the
 * command's data bytes followed by 90 00, at once or after `latency-ms` (from
 * a main-loop timeout, cancellable). Keys: atr (hex, default 3B 00),
 * latency-ms (default 0).
 */
#define G_LOG_DOMAIN "cr-echo"

#include <cardroute/cardroute.h>

#define ECHO_TYPE_SLOT (echo_slot_get_type())
G_DECLARE_FINAL_TYPE(EchoSlot, echo_slot, ECHO, SLOT, CrBackendSlot)

struct _EchoSlot {
	CrBackendSlot parent_instance;
	GBytes *atr;
	guint latency_ms;
	CrTransaction *pending;
	guint timer;
};

G_DEFINE_TYPE(EchoSlot, echo_slot, CR_TYPE_BACKEND_SLOT)

static void
echo_answer(CrTransaction *tx)
{
	gsize len;
	const guint8 *cmd = cr_transaction_get_command(tx, &len);
	g_autoptr(GByteArray) resp = g_byte_array_new();
	static const guint8 ok[] = {0x90, 0x00};
	if (len > 5)
		g_byte_array_append(resp, cmd + 5, (guint)(len - 5));
	g_byte_array_append(resp, ok, 2);
	cr_transaction_complete(tx, resp->data, resp->len);
}

static gboolean
echo_later(gpointer user_data)
{
	EchoSlot *self = user_data;
	CrTransaction *tx = self->pending;
	self->timer = 0;
	self->pending = NULL;
	echo_answer(tx);
	return G_SOURCE_REMOVE;
}

static void
echo_transmit(CrBackendSlot *slot, CrTransaction *tx)
{
	EchoSlot *self = ECHO_SLOT(slot);
	if (self->latency_ms == 0) {
		echo_answer(tx);
		return;
	}
	self->pending = tx;
	self->timer = g_timeout_add(self->latency_ms, echo_later, self);
}

static void
echo_cancel(CrBackendSlot *slot, CrTransaction *tx)
{
	EchoSlot *self = ECHO_SLOT(slot);
	if (self->pending != tx)
		return;
	self->pending = NULL;
	g_source_remove(self->timer);
	self->timer = 0;
}

static void
echo_reset(CrBackendSlot *slot, CrResetKind kind)
{
	EchoSlot *self = ECHO_SLOT(slot);
	cr_backend_slot_set_card(slot, g_bytes_get_data(self->atr, NULL),
				 g_bytes_get_size(self->atr));
}

static void
echo_slot_finalize(GObject *obj)
{
	EchoSlot *self = ECHO_SLOT(obj);
	if (self->timer != 0)
		g_source_remove(self->timer);
	g_bytes_unref(self->atr);
	G_OBJECT_CLASS(echo_slot_parent_class)->finalize(obj);
}

static void
echo_slot_class_init(EchoSlotClass *klass)
{
	CrBackendSlotClass *bc = CR_BACKEND_SLOT_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = echo_slot_finalize;
	bc->transmit = echo_transmit;
	bc->cancel = echo_cancel;
	bc->reset = echo_reset;
}

static void
echo_slot_init(EchoSlot *self)
{
}

#define ECHO_TYPE_INSTANCE (echo_instance_get_type())
G_DECLARE_FINAL_TYPE(EchoInstance, echo_instance, ECHO, INSTANCE, CrInstance)

struct _EchoInstance {
	CrInstance parent_instance;
	guint start_delay_ms; /* a slow start-up (many readers, slow hardware) */
};

G_DEFINE_TYPE(EchoInstance, echo_instance, CR_TYPE_INSTANCE)

static gboolean
echo_start(CrInstance *inst, GError **error)
{
	GPtrArray *slots = cr_instance_get_backend_slots(inst);
	g_usleep((gulong)ECHO_INSTANCE(inst)->start_delay_ms * 1000);
	for (guint i = 0; i < slots->len; i++)
		echo_reset(slots->pdata[i], CR_RESET_COLD);
	return TRUE;
}

static void
echo_instance_class_init(EchoInstanceClass *klass)
{
	CR_INSTANCE_CLASS(klass)->start = echo_start;
}

static void
echo_instance_init(EchoInstance *self)
{
}

static CrInstance *
echo_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(EchoInstance) inst = g_object_new(ECHO_TYPE_INSTANCE, NULL);
	g_autoptr(EchoSlot) slot = g_object_new(ECHO_TYPE_SLOT, "name",
						cr_config_section_get_name(section), NULL);
	static const guint8 default_atr[] = {0x3B, 0x00};
	gint64 latency;
	if (!cr_config_section_get_hex(section, "atr", 2, 33, &slot->atr, error))
		return NULL;
	if (slot->atr == NULL)
		slot->atr = g_bytes_new_static(default_atr, sizeof(default_atr));
	if (!cr_config_section_get_int(section, "latency-ms", 0, 0, 600000, &latency, error))
		return NULL;
	slot->latency_ms = (guint)latency;
	if (!cr_config_section_get_int(section, "start-delay-ms", 0, 0, 10000, &latency, error))
		return NULL;
	inst->start_delay_ms = (guint)latency;
	if (!cr_instance_add_backend_slot(CR_INSTANCE(inst), CR_BACKEND_SLOT(slot), error))
		return NULL;
	return CR_INSTANCE(g_steal_pointer(&inst));
}

CR_PLUGIN_DEFINE("echo", CR_PLUGIN_KIND_BACKEND, "echo card (tests)", echo_create)
