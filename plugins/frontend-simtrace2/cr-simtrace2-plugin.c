// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend-simtrace2: SIMtrace2 / sysmoQMOD boards in card emulation mode
 * (plugin name `simtrace2`). The instance owns the slots (one per cardem
 * interface it may bind) and a watcher that finds boards; see README.md.
 */
#include <cardroute/cardroute.h>

#include "st2-host-slot.h"
#include "st2-transport.h"

#define ST2_TYPE_INSTANCE (st2_instance_get_type())
G_DECLARE_FINAL_TYPE(St2Instance, st2_instance, ST2, INSTANCE, CrInstance)

struct _St2Instance {
	CrInstance parent_instance;
	gchar *device; /* "usb" or "sim:PATH" */
	gchar *serial;
	gchar *usb_path;
	gint interface_number;
	St2Watcher *watcher;
	gboolean running;
	EventScript *script; /* event-script, shared by the slots */
};

G_DEFINE_TYPE(St2Instance, st2_instance, CR_TYPE_INSTANCE)

/* a replugged board goes back to the slot it had; else the first free slot */
static St2Slot *
pick_slot(St2Instance *self, St2Channel *chan)
{
	GPtrArray *slots = cr_instance_get_frontend_slots(CR_INSTANCE(self));

	for (guint i = 0; i < slots->len; i++) {
		St2Slot *s = slots->pdata[i];

		if (!st2_slot_is_bound(s) && g_strcmp0(s->last_key, chan->key) == 0)
			return s;
	}
	for (guint i = 0; i < slots->len; i++) {
		St2Slot *s = slots->pdata[i];

		if (!st2_slot_is_bound(s) && s->last_key == NULL)
			return s;
	}
	for (guint i = 0; i < slots->len; i++) {
		St2Slot *s = slots->pdata[i];

		if (!st2_slot_is_bound(s))
			return s;
	}
	return NULL;
}

static gboolean
releasing(St2Instance *self)
{
	GPtrArray *slots = cr_instance_get_frontend_slots(CR_INSTANCE(self));

	for (guint i = 0; i < slots->len; i++) {
		St2Slot *s = slots->pdata[i];

		if (s->chan != NULL && s->chan->gone)
			return TRUE;
	}
	return FALSE;
}

static void
channel_found(St2Channel *chan, gpointer user_data)
{
	St2Instance *self = user_data;
	St2Slot *slot;

	if (!self->running) {
		st2_channel_close(chan, NULL, 0);
		return;
	}
	slot = pick_slot(self, chan);
	if (slot == NULL && releasing(self)) {
		/* a quick board reset: the old channel is still being released;
		 * the slot looks again once it is free */
		g_debug("%s: %s found while a slot releases its old board",
		        cr_instance_get_name(CR_INSTANCE(self)), chan->description);
		st2_channel_close(chan, NULL, 0);
		return;
	}
	if (slot == NULL) {
		g_message("%s: %s found but every slot of this instance is bound (raise "
		          "`slots =` or filter with `serial =`/`usb-path =`/`interface =`)",
		          cr_instance_get_name(CR_INSTANCE(self)), chan->description);
		st2_channel_close(chan, NULL, 0);
		return;
	}
	st2_slot_bind(slot, chan);
}

/* a board that came back while its slot was still being released (a quick
 * board reset) found no free slot: look again */
static void
slot_unbound(St2Slot *slot, gpointer user_data)
{
	St2Instance *self = user_data;

	if (self->running)
		st2_watcher_rescan(self->watcher);
}

static gboolean
st2_instance_start(CrInstance *inst, GError **error)
{
	St2Instance *self = ST2_INSTANCE(inst);
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);

	for (guint i = 0; i < slots->len; i++) {
		St2Slot *s = slots->pdata[i];

		s->unbound = slot_unbound;
		s->unbound_data = self;
	}

	self->running = TRUE;
	if (g_str_has_prefix(self->device, "sim:")) {
		self->watcher = st2_watcher_new_sim(self->device + 4, channel_found, self);
		return TRUE;
	}
	{
		St2UsbFilter filter = {
		        .serial = self->serial,
		        .usb_path = self->usb_path,
		        .interface_number = self->interface_number,
		};

		self->watcher = st2_watcher_new_usb(&filter, channel_found, self, error);
	}
	if (self->watcher == NULL) {
		self->running = FALSE;
		return FALSE;
	}
	return TRUE;
}

static void
st2_instance_stop(CrInstance *inst)
{
	St2Instance *self = ST2_INSTANCE(inst);
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);
	g_autoptr(GError) reason = g_error_new(CR_ERROR, CR_ERROR_CANCELLED, "stopped");

	self->running = FALSE;
	for (guint i = 0; i < slots->len; i++)
		st2_slot_unbind(slots->pdata[i], TRUE, reason);
	g_clear_pointer(&self->watcher, st2_watcher_free);
}

static void
st2_instance_describe(CrInstance *inst, GVariantDict *dict)
{
	St2Instance *self = ST2_INSTANCE(inst);
	GPtrArray *slots = cr_instance_get_frontend_slots(inst);
	g_autoptr(GPtrArray) bound = g_ptr_array_new();

	g_variant_dict_insert(dict, "device", "s", self->device);
	for (guint i = 0; i < slots->len; i++) {
		St2Slot *s = slots->pdata[i];

		if (s->chan != NULL)
			g_ptr_array_add(bound, s->chan->description);
	}
	g_ptr_array_add(bound, NULL);
	g_variant_dict_insert(dict, "boards", "^as", (gchar **)bound->pdata);
}

static void
st2_instance_finalize(GObject *obj)
{
	St2Instance *self = ST2_INSTANCE(obj);

	g_clear_pointer(&self->watcher, st2_watcher_free);
	g_clear_pointer(&self->script, event_script_free);
	g_free(self->device);
	g_free(self->serial);
	g_free(self->usb_path);
	G_OBJECT_CLASS(st2_instance_parent_class)->finalize(obj);
}

static void
st2_instance_class_init(St2InstanceClass *klass)
{
	CrInstanceClass *ic = CR_INSTANCE_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = st2_instance_finalize;
	ic->start = st2_instance_start;
	ic->stop = st2_instance_stop;
	ic->describe = st2_instance_describe;
}

static void
st2_instance_init(St2Instance *self)
{
	self->interface_number = -1;
}

/* `event-script` (upstream -e) and its time limit */
static gboolean
read_event_script(St2Instance *self, CrConfigSection *section, St2SlotConfig *config,
                  GError **error)
{
	g_autofree gchar *command = cr_config_section_get_string(section, "event-script", NULL);
	gint64 timeout;

	if (!cr_config_section_get_int(section, "event-script-timeout-ms", 10000, 0, 3600000,
	                               &timeout, error))
		return FALSE;
	if (command != NULL && command[0] != '\0')
		self->script = event_script_new(cr_config_section_get_name(section), command,
		                                (guint)timeout);
	config->events.script = self->script;
	config->events.usb_path = self->usb_path;
	config->events.interface_number = self->interface_number;
	return TRUE;
}

static CrInstance *
st2_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	static const gchar *const polarities[] = {"board", "high", "low", NULL};
	g_autoptr(St2Instance) self = g_object_new(ST2_TYPE_INSTANCE, NULL);
	g_autoptr(GBytes) atr = NULL;
	St2SlotConfig config = {0};
	gint64 nslots, iface;
	guint pol;

	self->device = cr_config_section_get_string(section, "device", "usb");
	if (g_strcmp0(self->device, "usb") != 0 &&
	    !(g_str_has_prefix(self->device, "sim:") && self->device[4] != '\0')) {
		cr_config_section_set_error(section, error, "device",
		                            "'%s' is neither 'usb' nor 'sim:SOCKET'", self->device);
		return NULL;
	}
	self->serial = cr_config_section_get_string(section, "serial", NULL);
	self->usb_path = cr_config_section_get_string(section, "usb-path", NULL);
	if (!cr_config_section_get_int(section, "interface", -1, -1, 255, &iface, error) ||
	    !cr_config_section_get_int(section, "slots", 1, 1, 64, &nslots, error) ||
	    !cr_config_section_get_hex(section, "atr", 2, 33, &atr, error) ||
	    !cr_config_section_get_bool(section, "modem-reset", TRUE, &config.modem_reset, error) ||
	    !cr_config_section_get_choice(section, "presence-polarity", polarities, 0, &pol, error))
		return NULL;
	self->interface_number = (gint)iface;
	if (!read_event_script(self, section, &config, error))
		return NULL;
	config.atr_override = atr;
	config.pres_pol = pol == 0 ? 0 : (guint8)(0x02 | (pol == 1 ? 0x01 : 0x00));
	for (gint64 i = 0; i < nslots; i++) {
		g_autofree gchar *name =
		        nslots == 1 ? g_strdup(cr_config_section_get_name(section))
		                    : g_strdup_printf("%s.%" G_GINT64_FORMAT,
		                                      cr_config_section_get_name(section), i);
		g_autoptr(St2Slot) slot = st2_slot_new(name, &config);

		if (!cr_instance_add_frontend_slot(CR_INSTANCE(self), CR_FRONTEND_SLOT(slot),
		                                   error))
			return NULL;
	}
	return CR_INSTANCE(g_steal_pointer(&self));
}

CR_PLUGIN_DEFINE("simtrace2", CR_PLUGIN_KIND_FRONTEND,
                 "SIMtrace2 / sysmoQMOD card emulation over USB (or the firmware simulator)",
                 st2_create)
