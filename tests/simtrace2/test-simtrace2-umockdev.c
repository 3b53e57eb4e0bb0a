// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend-simtrace2's libusb path without hardware: umockdev makes a fake
 * SIMtrace 2 (the simulator's descriptors) and an ioctl handler answers
 * usbfs URBs from the firmware simulator (st2_sim_usb_out / st2_sim_usb_in /
 * st2_sim_run), so the plugin's libusb code runs unchanged:
 *   simulated phone -> firmware core -> usbfs (umockdev) -> libusb ->
 *   frontend-simtrace2 -> core -> backend-vcard.
 * Then the device is removed (a uevent: libusb hotplug) and added again with
 * a fresh simulator: the slot must come back with its route and the next
 * phone script must pass too.
 *
 * Runs under umockdev-wrapper (LD_PRELOAD); skipped (77) without it and in
 * the sanitizer build.
 */
#include <errno.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stdlib.h>
#include <string.h>

#include <cardroute/cardroute.h>
#include <umockdev.h>

#include "st2/st2-sim.h"

typedef struct {
	GMutex lock;
	struct st2_sim *sim;
	GList *completed; /* UMockdevIoctlData* of reapable URBs */
	GList *pending;   /* IN URBs waiting for a message */
	gint result;      /* enum st2_sim_result, atomically read */
	guint outs, ins;
	GByteArray *last_out;
	/* URB -> the client (one per open device file) that submitted it: two
	 * libusb contexts may have the device open, each reaps its own URBs */
	GHashTable *owner;
	const gchar *serial;
	guint bus;
	UMockdevIoctlBase *handler;
} Fake;

/* GET_DESCRIPTOR(string) on the control endpoint; -1: stall */
static gint
control(const Fake *f, const guint8 *setup, guint8 *out, gsize cap)
{
	const gchar *const strings[] = {NULL, "sysmocom - s.f.m.c. GmbH", "SIMtrace 2", f->serial};
	guint index = setup[2];
	gsize n;

	if (setup[0] != 0x80 || setup[1] != 0x06 || setup[3] != 0x03)
		return -1;
	if (index == 0) {
		const guint8 langs[] = {4, 3, 0x09, 0x04};

		n = MIN(cap, sizeof(langs));
		memcpy(out, langs, n);
		return (gint)n;
	}
	if (index >= G_N_ELEMENTS(strings))
		return -1;
	{
		guint8 buf[130];
		gsize len = strlen(strings[index]);

		buf[0] = (guint8)(2 + 2 * len);
		buf[1] = 3;
		for (gsize i = 0; i < len; i++) {
			buf[2 + 2 * i] = (guint8)strings[index][i];
			buf[3 + 2 * i] = 0;
		}
		n = MIN(cap, (gsize)buf[0]);
		memcpy(out, buf, n);
		return (gint)n;
	}
}

static void
finish_urb(Fake *f, UMockdevIoctlData *urb_data, gint status, gint actual)
{
	struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_data->data;

	urb->status = status;
	urb->actual_length = actual;
	f->completed = g_list_append(f->completed, umockdev_ioctl_data_ref(urb_data));
}

/* an IN URB filled from the simulator, or FALSE */
static gboolean
fill_in(Fake *f)
{
	for (GList *l = f->pending; l != NULL; l = l->next) {
		UMockdevIoctlData *urb_data = l->data;
		struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_data->data;
		guint8 buf[ST2_MSG_MAX];
		gint n = st2_sim_usb_in(f->sim, urb->endpoint, buf, sizeof(buf));

		if (n <= 0)
			continue;
		g_assert_cmpint(n, <=, urb->buffer_length);
		memcpy(urb->buffer, buf, (gsize)n);
		f->pending = g_list_delete_link(f->pending, l);
		finish_urb(f, urb_data, 0, n);
		umockdev_ioctl_data_unref(urb_data);
		f->ins++;
		return TRUE;
	}
	return FALSE;
}

static void
run_sim(Fake *f, guint waits)
{
	enum st2_sim_result r = st2_sim_run(f->sim, waits);

	if (r != ST2_SIM_IDLE)
		g_atomic_int_set(&f->result, (gint)r);
}

static gboolean
reap(Fake *f, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) urb_ptr = NULL;
	UMockdevIoctlData *urb_data;

	if (f->completed == NULL && f->sim != NULL) {
		/* what the board queued goes out before it runs on */
		while (fill_in(f))
			;
		if (f->completed == NULL) {
			run_sim(f, 0);
			while (fill_in(f))
				;
		}
		if (f->completed == NULL) {
			/* the host has nothing to do: virtual time moves on */
			run_sim(f, 1);
			while (fill_in(f))
				;
		}
	}
	for (GList *l = f->completed; l != NULL; l = l->next) {
		if (g_hash_table_lookup(f->owner, l->data) != client)
			continue;
		urb_data = l->data;
		f->completed = g_list_delete_link(f->completed, l);
		g_hash_table_remove(f->owner, urb_data);
		urb_ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
		umockdev_ioctl_data_set_ptr(urb_ptr, 0, urb_data);
		umockdev_ioctl_data_unref(urb_data);
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	umockdev_ioctl_client_complete(client, -1, EAGAIN);
	return TRUE;
}

static gboolean
submit(Fake *f, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) urb_data =
	        umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
	struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_data->data;
	g_autoptr(UMockdevIoctlData) buf =
	        umockdev_ioctl_data_resolve(urb_data, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
	                                    (gsize)urb->buffer_length, NULL);

	g_hash_table_insert(f->owner, urb_data, client);

	if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
		gint n = urb->buffer_length >= 8 ? control(f, buf->data, (guint8 *)urb->buffer + 8,
		                                           (gsize)urb->buffer_length - 8)
		                                 : -1;

		finish_urb(f, urb_data, n < 0 ? -EPIPE : 0, n < 0 ? 0 : n);
	} else if (!(urb->endpoint & 0x80)) {
		if (f->sim != NULL)
			st2_sim_usb_out(f->sim, urb->endpoint, buf->data,
			                (gsize)urb->buffer_length);
		g_byte_array_set_size(f->last_out, 0);
		g_byte_array_append(f->last_out, buf->data, (guint)urb->buffer_length);
		f->outs++;
		finish_urb(f, urb_data, 0, urb->buffer_length);
	} else {
		f->pending = g_list_append(f->pending, umockdev_ioctl_data_ref(urb_data));
	}
	umockdev_ioctl_client_complete(client, 0, 0);
	return TRUE;
}

static gboolean
discard(Fake *f, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	gulong addr = (gulong) * (gpointer *)arg->data;

	for (GList *l = f->pending; l != NULL; l = l->next) {
		UMockdevIoctlData *urb_data = l->data;

		if (urb_data->client_addr != addr)
			continue;
		f->pending = g_list_delete_link(f->pending, l);
		finish_urb(f, urb_data, -ENOENT, 0);
		umockdev_ioctl_data_unref(urb_data);
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	umockdev_ioctl_client_complete(client, -1, EINVAL);
	return TRUE;
}

static gboolean handle_locked(Fake *f, UMockdevIoctlClient *client, UMockdevIoctlData *arg,
                              gulong request);

static gboolean
handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data)
{
	Fake *f = user_data;
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
	gulong request = umockdev_ioctl_client_get_request(client);
	gboolean handled;

	g_mutex_lock(&f->lock);
	handled = handle_locked(f, client, arg, request);
	g_mutex_unlock(&f->lock);
	return handled;
}

static gboolean
handle_locked(Fake *f, UMockdevIoctlClient *client, UMockdevIoctlData *arg, gulong request)
{
	switch (request) {
	case USBDEVFS_GET_CAPABILITIES: {
		g_autoptr(UMockdevIoctlData) d =
		        umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);

		*(guint32 *)d->data = USBDEVFS_CAP_BULK_CONTINUATION |
		                      USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_ZERO_PACKET |
		                      USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESET:
	case USBDEVFS_RESETEP:
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	case USBDEVFS_GETDRIVER:
	case USBDEVFS_IOCTL:
		umockdev_ioctl_client_complete(client, -1, ENODATA);
		return TRUE;
	case USBDEVFS_SUBMITURB:
		return submit(f, client, arg);
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY:
		return reap(f, client, arg);
	case USBDEVFS_DISCARDURB:
		return discard(f, client, arg);
	default:
		return FALSE;
	}
}

static gchar *
device_text(const Fake *f)
{
	gsize len;
	const guint8 *d = st2_sim_usb_descriptors(&len);
	GString *s = g_string_new(NULL);

	g_string_append_printf(s,
	                       "P: /devices/usb%u\n"
	                       "N: bus/usb/%03u/001\n"
	                       "E: SUBSYSTEM=usb\n"
	                       "E: DRIVER=usb\n"
	                       "E: BUSNUM=%03u\n"
	                       "E: DEVNUM=001\n"
	                       "E: DEVNAME=/dev/bus/usb/%03u/001\n"
	                       "E: DEVTYPE=usb_device\n"
	                       "A: bConfigurationValue=1\\n\n"
	                       "A: busnum=%u\\n\n"
	                       "A: devnum=1\\n\n"
	                       "A: speed=12\\n\n"
	                       "H: descriptors=",
	                       f->bus, f->bus, f->bus, f->bus, f->bus);
	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02X", d[i]);
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

static void
new_sim_fw(Fake *f, const gchar *script, enum st2_fw_profile firmware)
{
	struct st2_sim_options opt = {
	        .script = script, .strict = FALSE, .max_mute = 1000000, .firmware = firmware};

	g_mutex_lock(&f->lock);
	g_clear_pointer(&f->sim, st2_sim_free);
	f->sim = st2_sim_new(&opt);
	g_atomic_int_set(&f->result, ST2_SIM_IDLE);
	g_mutex_unlock(&f->lock);
	g_assert_nonnull(f->sim);
}

static void
new_sim(Fake *f, const gchar *script)
{
	new_sim_fw(f, script, ST2_FW_OWN);
}

/* a board on bus @bus: an ioctl handler on its device node, then the device */
static void
plug(UMockdevTestbed *tb, Fake *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *node = g_strdup_printf("/dev/bus/usb/%03u/001", f->bus);
	g_autofree gchar *dev = device_text(f);

	if (f->handler == NULL) {
		f->handler = umockdev_ioctl_base_new();
		g_signal_connect(f->handler, "handle-ioctl", G_CALLBACK(handle_ioctl), f);
		g_assert_true(umockdev_testbed_attach_ioctl(tb, node, f->handler, &error));
		g_assert_no_error(error);
	}
	g_assert_true(umockdev_testbed_add_from_string(tb, dev, &error));
	g_assert_no_error(error);
}

static void
unplug(UMockdevTestbed *tb, Fake *f)
{
	g_autofree gchar *path = g_strdup_printf("/sys/devices/usb%u", f->bus);

	/* as the kernel does: URBs in flight end with ENODEV */
	g_mutex_lock(&f->lock);
	while (f->pending != NULL) {
		UMockdevIoctlData *urb_data = f->pending->data;

		f->pending = g_list_delete_link(f->pending, f->pending);
		finish_urb(f, urb_data, -ENODEV, 0);
		umockdev_ioctl_data_unref(urb_data);
	}
	g_mutex_unlock(&f->lock);
	umockdev_testbed_uevent(tb, path, "remove");
	umockdev_testbed_remove_device(tb, path);
}

static void
fake_clear(Fake *f)
{
	/* on shutdown the phone gets its local SIM back: CARDINSERT(0), SIM_SELECT(0) */
	static const guint8 restore[] = {0x01, 0x05, 0, 0, 0, 0, 0x09, 0, 0x00,
	                                 0x02, 0x02, 0, 0, 0, 0, 0x09, 0, 0x00};

	g_mutex_lock(&f->lock);
	g_assert_cmpmem(f->last_out->data, f->last_out->len, restore, sizeof(restore));
	g_byte_array_unref(f->last_out);
	g_clear_pointer(&f->sim, st2_sim_free);
	g_list_free_full(f->completed, (GDestroyNotify)umockdev_ioctl_data_unref);
	g_list_free_full(f->pending, (GDestroyNotify)umockdev_ioctl_data_unref);
	f->completed = f->pending = NULL;
	g_mutex_unlock(&f->lock);
	g_clear_object(&f->handler);
	g_hash_table_unref(f->owner);
	g_mutex_clear(&f->lock);
}

/* iterates the main loop until @cond; a bound against hangs only */
#define LOOP_UNTIL(cond)                                                                           \
	do {                                                                                       \
		gint64 end_ = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;                        \
		while (!(cond) && g_get_monotonic_time() < end_)                                   \
			g_main_context_iteration(NULL, FALSE);                                     \
		g_assert_true(cond);                                                               \
	} while (0)

#define SIM_OVER(f) (g_atomic_int_get(&(f).result) != ST2_SIM_IDLE)

static void
shutdown_done(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

static void
assert_passed(Fake *f, const gchar *what)
{
	if (f->sim != NULL && st2_sim_error(f->sim) != NULL)
		g_test_message("%s: simulator: %s", what, st2_sim_error(f->sim));
	g_assert_cmpint(g_atomic_int_get(&f->result), ==, ST2_SIM_DONE);
	g_test_message("%s: passed (%u OUT, %u IN transfers so far)", what, f->outs, f->ins);
}

/*
 * Two boards (serials A... and B...), one section each pinned by `serial =`:
 * both phone scripts run at once; board A is unplugged (B goes on) and
 * plugged back with a fresh simulator; its slot comes back with its route.
 * Then board A runs every phone script against both firmware profiles (this
 * project's and the model of the released upstream firmware), one replug
 * each; against upstream, pps-bad passes because the phone expects the echo
 * of every request (the simulator's documented difference).
 */
static void
test_umockdev(void)
{
	g_autoptr(UMockdevTestbed) tb = umockdev_testbed_new();
	g_autoptr(CrRouter) router = cr_router_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = g_strdup_printf(
	        "[router]\n"
	        "[backend:card]\nplugin = vcard\nprofile = %s\nslots = 2\n"
	        "[frontend:phoneA]\nplugin = simtrace2\nserial = aaaa0000aaaa0000aaaa0000aaaa0000\n"
	        "[frontend:phoneB]\nplugin = simtrace2\nserial = bbbb0000bbbb0000bbbb0000bbbb0000\n"
	        "[route:rA]\nfrontend = phoneA\nbackend = card.0\n"
	        "[route:rB]\nfrontend = phoneB\nbackend = card.1\n",
	        ST2_TEST_VCARD_PROFILE);
	CrFrontendSlot *phone_a, *phone_b;
	Fake a = {.serial = "aaaa0000aaaa0000aaaa0000aaaa0000", .bus = 1};
	Fake b = {.serial = "bbbb0000bbbb0000bbbb0000bbbb0000", .bus = 2};
	guint64 first;

	g_mutex_init(&a.lock);
	g_mutex_init(&b.lock);
	a.owner = g_hash_table_new(NULL, NULL);
	b.owner = g_hash_table_new(NULL, NULL);
	a.last_out = g_byte_array_new();
	b.last_out = g_byte_array_new();
	new_sim(&a, "gsm");
	new_sim(&b, "usim");
	/* B is listed first by the bus: serial filters, not order, decide */
	plug(tb, &b);
	plug(tb, &a);

	cr_router_set_plugin_dir(router, ST2_TEST_PLUGIN_DIR);
	g_assert_true(cr_router_load_config_data(router, ini, strlen(ini), "test.ini", &error));
	g_assert_no_error(error);
	g_assert_true(cr_router_start(router, &error));
	g_assert_no_error(error);
	phone_a = cr_router_lookup_frontend(router, "phoneA");
	phone_b = cr_router_lookup_frontend(router, "phoneB");

	/* both boards are found at start; both scripts run to their end */
	LOOP_UNTIL(SIM_OVER(a) && SIM_OVER(b));
	assert_passed(&a, "board A, gsm");
	assert_passed(&b, "board B, usim");
	g_assert_cmpint(cr_frontend_slot_get_state(phone_a), ==, CR_SLOT_STATE_PRESENT);
	g_assert_cmpint(cr_frontend_slot_get_state(phone_b), ==, CR_SLOT_STATE_PRESENT);
	first = cr_frontend_slot_get_stats(phone_a)->transactions;
	g_assert_cmpuint(first, >=, 12);
	g_assert_cmpuint(cr_frontend_slot_get_stats(phone_b)->transactions, >=, 11);

	/* unplug A: libusb hotplug sees it go; B stays */
	unplug(tb, &a);
	LOOP_UNTIL(cr_frontend_slot_get_state(phone_a) == CR_SLOT_STATE_DOWN);
	g_assert_cmpint(cr_frontend_slot_get_state(phone_b), ==, CR_SLOT_STATE_PRESENT);

	/* replug A with a fresh board: the slot comes back with its route */
	new_sim(&a, "cases");
	plug(tb, &a);
	LOOP_UNTIL(SIM_OVER(a));
	assert_passed(&a, "board A replugged, cases");
	g_assert_cmpint(cr_frontend_slot_get_state(phone_a), ==, CR_SLOT_STATE_PRESENT);
	g_assert_nonnull(cr_frontend_slot_get_route(phone_a));
	g_assert_cmpuint(cr_frontend_slot_get_stats(phone_a)->transactions, >=, first + 15);

	/* a quick board reset of B: gone and back before the loop runs */
	unplug(tb, &b);
	new_sim(&b, "getresponse");
	plug(tb, &b);
	LOOP_UNTIL(SIM_OVER(b));
	assert_passed(&b, "board B after a quick reset, getresponse");
	g_assert_cmpint(cr_frontend_slot_get_state(phone_b), ==, CR_SLOT_STATE_PRESENT);

	/* every script, both firmware profiles, through libusb */
	for (const struct st2_script *const *sc = st2_script_all(); *sc != NULL; sc++) {
		for (gint fw = ST2_FW_OWN; fw <= ST2_FW_UPSTREAM; fw++) {
			g_autofree gchar *what = g_strdup_printf(
			        "board A, %s, %s firmware", (*sc)->name,
			        st2_fw_profile_to_string((enum st2_fw_profile)fw));

			unplug(tb, &a);
			LOOP_UNTIL(cr_frontend_slot_get_state(phone_a) == CR_SLOT_STATE_DOWN);
			new_sim_fw(&a, (*sc)->name, (enum st2_fw_profile)fw);
			plug(tb, &a);
			LOOP_UNTIL(SIM_OVER(a));
			assert_passed(&a, what);
		}
	}

	{
		gboolean done = FALSE;

		cr_router_shutdown(router, 1000, G_CALLBACK(shutdown_done), &done);
		LOOP_UNTIL(done);
	}
	g_clear_object(&router);
	fake_clear(&a);
	fake_clear(&b);
}

gint
main(gint argc, gchar **argv)
{
	const gchar *preload = g_getenv("LD_PRELOAD");

	g_test_init(&argc, &argv, NULL);
#ifdef ST2_TEST_SKIP
	g_print("1..0 # SKIP umockdev is an LD_PRELOAD library: not in the sanitizer build\n");
	return 77;
#endif
	if (preload == NULL || strstr(preload, "umockdev") == NULL) {
		g_print("1..0 # SKIP not under umockdev-wrapper\n");
		return 77;
	}
	g_test_add_func("/simtrace2/umockdev/libusb", test_umockdev);
	return g_test_run();
}
