// SPDX-License-Identifier: GPL-2.0-or-later
/* Slotmap store and state machine; see srv-slotmap.h. No I/O. */
#include "srv-slotmap.h"

#include <cardroute/cr-error.h>

typedef struct {
	gboolean up;
	GQueue unack;	 /* maps in UNACKNOWLEDGED, oldest first */
	GQueue deleting; /* maps in DELETING, oldest first */
} BankQueue;

struct _SrvMapStore {
	SrvMapOps ops;
	gpointer user_data;
	GTree *by_id;		/* id -> SrvMap* (live maps, owned) */
	GHashTable *by_client;	/* client key -> SrvMap* (live) */
	GHashTable *banks;	/* bank id -> BankQueue* */
	GHashTable *dying;	/* client key -> count of dying maps */
};

static inline guint32
client_key(guint16 client_id, guint16 client_slot)
{
	return ((guint32)client_id << 16) | client_slot;
}

static gint
compare_id(gconstpointer a, gconstpointer b, gpointer user_data)
{
	guint32 x = GPOINTER_TO_UINT(a), y = GPOINTER_TO_UINT(b);
	return x < y ? -1 : x > y ? 1 : 0;
}

static void
bank_queue_free(gpointer data)
{
	BankQueue *q = data;
	/* live maps in the queues belong to the tree */
	for (GList *l = q->unack.head; l != NULL; l = l->next)
		if (!((SrvMap *)l->data)->live)
			g_free(l->data);
	g_queue_clear_full(&q->deleting, g_free);
	g_queue_clear(&q->unack);
	g_free(q);
}

SrvMapStore *
srv_map_store_new(const SrvMapOps *ops, gpointer user_data)
{
	SrvMapStore *self = g_new0(SrvMapStore, 1);
	self->ops = *ops;
	self->user_data = user_data;
	self->by_id = g_tree_new_full(compare_id, NULL, NULL, g_free);
	self->by_client = g_hash_table_new(NULL, NULL);
	self->banks = g_hash_table_new_full(NULL, NULL, NULL, bank_queue_free);
	self->dying = g_hash_table_new(NULL, NULL);
	return self;
}

void
srv_map_store_free(SrvMapStore *self)
{
	if (self == NULL)
		return;
	g_hash_table_destroy(self->banks);
	g_hash_table_destroy(self->by_client);
	g_hash_table_destroy(self->dying);
	g_tree_destroy(self->by_id);
	g_free(self);
}

const gchar *
srv_map_state_name(SrvMapState state)
{
	switch (state) {
	case SRV_MAP_NEW:
		return "NEW";
	case SRV_MAP_UNACKNOWLEDGED:
		return "UNACKNOWLEDGED";
	case SRV_MAP_ACTIVE:
		return "ACTIVE";
	case SRV_MAP_DELETE_REQ:
		return "DELETE_REQ";
	case SRV_MAP_DELETING:
		return "DELETING";
	}
	return "UNKNOWN";
}

static BankQueue *
bank_queue(SrvMapStore *self, guint16 bank_id)
{
	BankQueue *q = g_hash_table_lookup(self->banks, GUINT_TO_POINTER(bank_id));
	if (q == NULL) {
		q = g_new0(BankQueue, 1);
		g_queue_init(&q->unack);
		g_queue_init(&q->deleting);
		g_hash_table_insert(self->banks, GUINT_TO_POINTER(bank_id), q);
	}
	return q;
}

static void
dying_add(SrvMapStore *self, const SrvMap *m, gint delta)
{
	gpointer key = GUINT_TO_POINTER(client_key(m->client_id, m->client_slot));
	gint n = GPOINTER_TO_INT(g_hash_table_lookup(self->dying, key)) + delta;
	if (n <= 0)
		g_hash_table_remove(self->dying, key);
	else
		g_hash_table_insert(self->dying, key, GINT_TO_POINTER(n));
}

static void
changed(SrvMapStore *self)
{
	if (self->ops.changed != NULL)
		self->ops.changed(self->user_data);
}

static void
client_changed(SrvMapStore *self, const SrvMap *m)
{
	if (self->ops.client_changed != NULL)
		self->ops.client_changed(m->client_id, m->client_slot, self->user_data);
}

/* NEW -> UNACKNOWLEDGED: createMappingReq to the (connected) bank */
static void
push_create(SrvMapStore *self, BankQueue *q, SrvMap *m)
{
	m->state = SRV_MAP_UNACKNOWLEDGED;
	g_queue_push_tail(&q->unack, m);
	if (self->ops.send_create != NULL)
		self->ops.send_create(m, self->user_data);
}

/* DELETE_REQ -> DELETING: removeMappingReq to the (connected) bank */
static void
push_remove(SrvMapStore *self, BankQueue *q, SrvMap *m)
{
	m->state = SRV_MAP_DELETING;
	g_queue_push_tail(&q->deleting, m);
	if (self->ops.send_remove != NULL)
		self->ops.send_remove(m, self->user_data);
}

const SrvMap *
srv_map_store_add(SrvMapStore *self, guint bank_id, guint bank_slot, guint client_id,
		  guint client_slot, GError **error)
{
	SrvMap *m;
	BankQueue *q;
	guint32 id;

	if (bank_id > SRV_MAP_MAX_ID || bank_slot > SRV_MAP_MAX_ID ||
	    client_id > SRV_MAP_MAX_ID || client_slot > SRV_MAP_MAX_ID) {
		g_set_error(error, CR_ERROR, CR_ERROR_INVALID,
			    "ids and slot numbers are 0..%d", SRV_MAP_MAX_ID);
		return NULL;
	}
	id = srv_map_id((guint16)bank_id, (guint16)bank_slot);
	if (g_tree_lookup(self->by_id, GUINT_TO_POINTER(id)) != NULL) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS, "bank slot B%u:%u is mapped already",
			    bank_id, bank_slot);
		return NULL;
	}
	if (g_hash_table_contains(self->by_client,
				  GUINT_TO_POINTER(client_key((guint16)client_id,
							      (guint16)client_slot)))) {
		g_set_error(error, CR_ERROR, CR_ERROR_EXISTS,
			    "client slot C%u:%u is mapped already", client_id, client_slot);
		return NULL;
	}
	m = g_new0(SrvMap, 1);
	m->bank_id = (guint16)bank_id;
	m->bank_slot = (guint16)bank_slot;
	m->client_id = (guint16)client_id;
	m->client_slot = (guint16)client_slot;
	m->state = SRV_MAP_NEW;
	m->live = TRUE;
	g_tree_insert(self->by_id, GUINT_TO_POINTER(id), m);
	g_hash_table_insert(self->by_client,
			    GUINT_TO_POINTER(client_key(m->client_id, m->client_slot)), m);
	q = bank_queue(self, m->bank_id);
	if (q->up)
		push_create(self, q, m);
	changed(self);
	return m;
}

/* Takes a live map out of the store; it stays allocated. */
static void
unlink_live(SrvMapStore *self, SrvMap *m)
{
	g_hash_table_remove(self->by_client,
			    GUINT_TO_POINTER(client_key(m->client_id, m->client_slot)));
	m->live = FALSE;
	g_tree_steal(self->by_id, GUINT_TO_POINTER(srv_map_id(m->bank_id, m->bank_slot)));
}

static void
delete_map(SrvMapStore *self, SrvMap *m)
{
	BankQueue *q = bank_queue(self, m->bank_id);

	unlink_live(self, m);
	switch (m->state) {
	case SRV_MAP_NEW:
		client_changed(self, m);
		g_free(m);
		break;
	case SRV_MAP_UNACKNOWLEDGED:
		/* upstream leaves an orphan here; we remove it once the bank answered */
		m->delete_after_ack = TRUE;
		dying_add(self, m, 1);
		break;
	case SRV_MAP_ACTIVE:
		m->state = SRV_MAP_DELETE_REQ;
		dying_add(self, m, 1);
		if (q->up)
			push_remove(self, q, m);
		break;
	case SRV_MAP_DELETE_REQ:
	case SRV_MAP_DELETING:
		break; /* a live map is never in these states */
	}
}

gboolean
srv_map_store_delete(SrvMapStore *self, guint32 id)
{
	SrvMap *m = g_tree_lookup(self->by_id, GUINT_TO_POINTER(id));
	if (m == NULL)
		return FALSE;
	delete_map(self, m);
	changed(self);
	return TRUE;
}

static gboolean
collect(gpointer key, gpointer value, gpointer data)
{
	g_ptr_array_add(data, value);
	return FALSE;
}

guint
srv_map_store_reset(SrvMapStore *self)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	g_tree_foreach(self->by_id, collect, all);
	for (guint i = 0; i < all->len; i++)
		delete_map(self, all->pdata[i]);
	if (all->len > 0)
		changed(self);
	return all->len;
}

const SrvMap *
srv_map_store_lookup(SrvMapStore *self, guint32 id)
{
	return g_tree_lookup(self->by_id, GUINT_TO_POINTER(id));
}

const SrvMap *
srv_map_store_lookup_client(SrvMapStore *self, guint16 client_id, guint16 client_slot)
{
	return g_hash_table_lookup(self->by_client,
				   GUINT_TO_POINTER(client_key(client_id, client_slot)));
}

gboolean
srv_map_store_client_dying(SrvMapStore *self, guint16 client_id, guint16 client_slot)
{
	return g_hash_table_contains(self->dying,
				     GUINT_TO_POINTER(client_key(client_id, client_slot)));
}

guint
srv_map_store_count(SrvMapStore *self)
{
	return (guint)g_tree_nnodes(self->by_id);
}

typedef struct {
	SrvMapFunc func;
	gpointer user_data;
} ForeachData;

static gboolean
foreach_one(gpointer key, gpointer value, gpointer data)
{
	ForeachData *d = data;
	return !d->func(value, d->user_data);
}

void
srv_map_store_foreach(SrvMapStore *self, SrvMapFunc func, gpointer user_data)
{
	ForeachData d = {func, user_data};
	g_tree_foreach(self->by_id, foreach_one, &d);
}

typedef struct {
	guint16 bank_id;
	GPtrArray *maps;
} BankMaps;

static gboolean
collect_bank(gpointer key, gpointer value, gpointer data)
{
	BankMaps *b = data;
	guint32 id = GPOINTER_TO_UINT(key);
	if ((id >> 16) == b->bank_id)
		g_ptr_array_add(b->maps, value);
	return (id >> 16) > b->bank_id; /* ids are sorted by bank first */
}

static GPtrArray *
live_maps_of_bank(SrvMapStore *self, guint16 bank_id)
{
	BankMaps b = {bank_id, g_ptr_array_new()};
	g_tree_foreach(self->by_id, collect_bank, &b);
	return b.maps;
}

/* Forgets the bank's queues: live maps back to NEW, dying maps freed. */
static void
drop_queues(SrvMapStore *self, BankQueue *q, GPtrArray *affected)
{
	SrvMap *m;
	while ((m = g_queue_pop_head(&q->unack)) != NULL) {
		if (m->live) {
			m->state = SRV_MAP_NEW;
			continue;
		}
		dying_add(self, m, -1);
		g_ptr_array_add(affected, m);
	}
	while ((m = g_queue_pop_head(&q->deleting)) != NULL) {
		dying_add(self, m, -1);
		g_ptr_array_add(affected, m);
	}
}

static void
free_affected(SrvMapStore *self, GPtrArray *affected)
{
	for (guint i = 0; i < affected->len; i++) {
		client_changed(self, affected->pdata[i]);
		g_free(affected->pdata[i]);
	}
}

void
srv_map_store_bank_up(SrvMapStore *self, guint16 bank_id)
{
	BankQueue *q = bank_queue(self, bank_id);
	g_autoptr(GPtrArray) affected = g_ptr_array_new();
	g_autoptr(GPtrArray) maps = NULL;

	drop_queues(self, q, affected);
	q->up = TRUE;
	maps = live_maps_of_bank(self, bank_id);
	for (guint i = 0; i < maps->len; i++) {
		SrvMap *m = maps->pdata[i];
		m->state = SRV_MAP_NEW;
		push_create(self, q, m);
	}
	free_affected(self, affected);
}

void
srv_map_store_bank_down(SrvMapStore *self, guint16 bank_id)
{
	BankQueue *q = bank_queue(self, bank_id);
	g_autoptr(GPtrArray) affected = g_ptr_array_new();
	g_autoptr(GPtrArray) maps = live_maps_of_bank(self, bank_id);

	q->up = FALSE;
	drop_queues(self, q, affected);
	for (guint i = 0; i < maps->len; i++)
		((SrvMap *)maps->pdata[i])->state = SRV_MAP_NEW;
	free_affected(self, affected);
}

gboolean
srv_map_store_bank_is_up(SrvMapStore *self, guint16 bank_id)
{
	BankQueue *q = g_hash_table_lookup(self->banks, GUINT_TO_POINTER(bank_id));
	return q != NULL && q->up;
}

gboolean
srv_map_store_create_res(SrvMapStore *self, guint16 bank_id, gboolean ok, SrvMap *out)
{
	BankQueue *q = bank_queue(self, bank_id);
	SrvMap *m = g_queue_pop_head(&q->unack);

	if (m == NULL)
		return FALSE;
	if (out != NULL)
		*out = *m;
	if (m->delete_after_ack) {
		if (ok && q->up) {
			push_remove(self, q, m);
			return TRUE;
		}
		dying_add(self, m, -1);
		client_changed(self, m);
		g_free(m);
		return TRUE;
	}
	/* upstream makes it ACTIVE whatever the result; a refused map stays NEW
	 * (it is offered again when the bank reconnects) */
	m->state = ok ? SRV_MAP_ACTIVE : SRV_MAP_NEW;
	if (ok)
		m->refusal = 0;
	client_changed(self, m);
	return TRUE;
}

void
srv_map_store_note_refusal(SrvMapStore *self, guint32 id, guint result, guint16 bank_id,
			   gint64 when)
{
	SrvMap *m = g_tree_lookup(self->by_id, GUINT_TO_POINTER(id));
	if (m == NULL)
		return;
	m->refusal = result;
	m->refused_at = when;
	m->refused_by = bank_id;
}

static gboolean
count_refused(gpointer key, gpointer value, gpointer data)
{
	if (((SrvMap *)value)->refusal != 0)
		(*(guint *)data)++;
	return FALSE;
}

guint
srv_map_store_count_refused(SrvMapStore *self)
{
	guint n = 0;
	g_tree_foreach(self->by_id, count_refused, &n);
	return n;
}

gboolean
srv_map_store_remove_res(SrvMapStore *self, guint16 bank_id, SrvMap *out)
{
	BankQueue *q = bank_queue(self, bank_id);
	SrvMap *m = g_queue_pop_head(&q->deleting);

	if (m == NULL)
		return FALSE;
	if (out != NULL)
		*out = *m;
	dying_add(self, m, -1);
	client_changed(self, m);
	g_free(m);
	return TRUE;
}
