// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server's slotmaps and their state machine (rspro.md D.4, rsres.md 2.6),
 * without any I/O: what has to go out (createMappingReq, removeMappingReq, a
 * client to re-configure, the store to save) is asked of the caller through
 * SrvMapOps. Unit-tested on its own (tests/server/test-slotmap.c).
 *
 * A map is "live" while REST sees it (GET /slotmaps, uniqueness, the state
 * file). DELETE unlinks it at once, as upstream does, but a map the bank still
 * has to hear about stays "dying" in its bank's queue until the bank answered.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SRV_MAP_MAX_ID 1023

typedef enum {
	SRV_MAP_NEW,		/* not (yet) sent to its bank */
	SRV_MAP_UNACKNOWLEDGED, /* createMappingReq sent, waiting for the answer */
	SRV_MAP_ACTIVE,		/* the bank confirmed it */
	SRV_MAP_DELETE_REQ,	/* deleted; removeMappingReq not yet sent */
	SRV_MAP_DELETING,	/* removeMappingReq sent, waiting for the answer */
} SrvMapState;

typedef struct {
	guint16 bank_id;
	guint16 bank_slot;
	guint16 client_id;
	guint16 client_slot;
	SrvMapState state;
	gboolean live;		   /* in the store (REST sees it) */
	gboolean delete_after_ack; /* deleted while UNACKNOWLEDGED */
	/* the bank's last refusal of this map (cleared when it accepts): the
	 * RSPRO result code (0: none), when (wall clock µs), which bank */
	guint refusal;
	gint64 refused_at;
	guint16 refused_by;
} SrvMap;

typedef struct {
	/* the bank of @map is connected: send it createMappingReq / removeMappingReq */
	void (*send_create)(const SrvMap *map, gpointer user_data);
	void (*send_remove)(const SrvMap *map, gpointer user_data);
	/* what the client slot should be told may have changed */
	void (*client_changed)(guint16 client_id, guint16 client_slot, gpointer user_data);
	/* the set of live maps changed (persistence) */
	void (*changed)(gpointer user_data);
} SrvMapOps;

typedef struct _SrvMapStore SrvMapStore;

SrvMapStore *srv_map_store_new(const SrvMapOps *ops, gpointer user_data);
void srv_map_store_free(SrvMapStore *self);

/* bankId << 16 | slotNr (rsres.md 2.5) */
static inline guint32
srv_map_id(guint16 bank_id, guint16 bank_slot)
{
	return ((guint32)bank_id << 16) | bank_slot;
}
const gchar *srv_map_state_name(SrvMapState state);

/* A new live map in state NEW (pushed at once when its bank is connected).
 * CR_ERROR_INVALID for values above 1023, CR_ERROR_EXISTS when the bank slot
 * or the client slot is used by a live map. Borrowed result. */
const SrvMap *srv_map_store_add(SrvMapStore *self, guint bank_id, guint bank_slot,
				guint client_id, guint client_slot, GError **error);
/* REST DELETE: FALSE when no live map has @id. */
gboolean srv_map_store_delete(SrvMapStore *self, guint32 id);
/* REST global-reset: every live map is deleted; returns how many. */
guint srv_map_store_reset(SrvMapStore *self);

const SrvMap *srv_map_store_lookup(SrvMapStore *self, guint32 id);
const SrvMap *srv_map_store_lookup_client(SrvMapStore *self, guint16 client_id,
					  guint16 client_slot);
/* TRUE while a deleted map of this client slot waits for its bank's answer */
gboolean srv_map_store_client_dying(SrvMapStore *self, guint16 client_id, guint16 client_slot);
guint srv_map_store_count(SrvMapStore *self);
/* Live maps in id order; stop by returning FALSE. */
typedef gboolean (*SrvMapFunc)(const SrvMap *map, gpointer user_data);
void srv_map_store_foreach(SrvMapStore *self, SrvMapFunc func, gpointer user_data);

/* Bank connection events. bank_up re-arms every live map of the bank (NEW)
 * and pushes them; bank_down puts its live maps back to NEW and forgets the
 * dying ones. */
void srv_map_store_bank_up(SrvMapStore *self, guint16 bank_id);
void srv_map_store_bank_down(SrvMapStore *self, guint16 bank_id);
gboolean srv_map_store_bank_is_up(SrvMapStore *self, guint16 bank_id);
/* The bank's answers, matched FIFO as upstream does. @ok: result was ok.
 * FALSE when nothing was waiting for an answer. The map concerned is copied
 * to @out when not NULL. */
gboolean srv_map_store_create_res(SrvMapStore *self, guint16 bank_id, gboolean ok, SrvMap *out);
gboolean srv_map_store_remove_res(SrvMapStore *self, guint16 bank_id, SrvMap *out);
/* Records on the live map @id that @bank_id refused it with @result (an
 * RSPRO result code) at @when. The map stays NEW: it is offered again only
 * when its bank connects again, never in a loop. */
void srv_map_store_note_refusal(SrvMapStore *self, guint32 id, guint result, guint16 bank_id,
				gint64 when);
/* Live maps with a refusal recorded. */
guint srv_map_store_count_refused(SrvMapStore *self);

G_END_DECLS
