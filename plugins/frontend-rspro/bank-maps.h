// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bank's mapping table (rspro.md C.2, D.5): which client slot may use
 * which bank slot. Plain C, no I/O: the rules of createMappingReq /
 * removeMappingReq as upstream's bankd applies them, and the parser of the
 * INI key `mappings`.
 */
#pragma once

#include <glib.h>

#include "rspro-msg.h"

G_BEGIN_DECLS

typedef struct _BankMaps BankMaps;

BankMaps *bank_maps_new(guint16 bank_id, guint n_slots);
void bank_maps_free(BankMaps *self);

guint bank_maps_get_n_slots(const BankMaps *self);
guint bank_maps_count(const BankMaps *self);
/* the client slot mapped to @bank_slot; FALSE when none */
gboolean bank_maps_get(const BankMaps *self, guint bank_slot, RsproClientSlot *client);
/* the bank slot mapped to @client, or -1 */
gint bank_maps_find_client(const BankMaps *self, RsproClientSlot client);
/* adds or replaces a map without the checks (INI mappings) */
void bank_maps_set(BankMaps *self, guint bank_slot, RsproClientSlot client);
void bank_maps_remove(BankMaps *self, guint bank_slot);

/*
 * createMappingReq in upstream's order: illegalBankId, illegalSlotId, same
 * map again (ok, nothing changes), an older map of that bank slot or of that
 * client slot removed, the new map added. The bank slots whose old map was
 * removed are stored in @removed (at most 2, *n_removed says how many);
 * *added is TRUE when the map is new.
 */
RsproResult bank_maps_create(BankMaps *self, const RsproMappingReq *req, guint removed[2],
                             guint *n_removed, gboolean *added);
/* removeMappingReq: illegalBankId, illegalSlotId, unknownSlotmap (none, or
 * another client), else the map is removed and ok returned */
RsproResult bank_maps_remove_req(BankMaps *self, const RsproMappingReq *req);

/* Stale marks for the resynchronisation after the server link came back:
 * every map is marked, a createMappingReq for the same pair confirms it. */
void bank_maps_mark_all_stale(BankMaps *self);
gboolean bank_maps_is_stale(const BankMaps *self, guint bank_slot);
guint bank_maps_count_stale(const BankMaps *self);

/* "B1:0<-C7:0, B1:3<-C8:1" for log lines (at most @max entries, then "...") */
gchar *bank_maps_describe(const BankMaps *self, guint max);

/*
 * Parses the INI key `mappings`: a comma separated list of
 * CLIENT_ID:CLIENT_SLOT=BANK_SLOT entries, e.g. "7:0=0, 8:0=1". Ids and
 * slots are 0..1023, bank slots below @n_slots, each bank slot and client
 * slot at most once. Adds them to @self.
 */
gboolean bank_maps_parse(BankMaps *self, const gchar *text, GError **error);

G_END_DECLS
