// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A scripted RSPRO peer for tests and the benchmark: a TCP listener on
 * 127.0.0.1 (port 0 = kernel-chosen, so parallel runs never collide) whose
 * accepted connections become RsproLinks of the given role (SERVER for a fake
 * remsim-server, BANK for a fake bankd). The test decides what to answer in
 * its message callback.
 */
#pragma once

#include "rspro-link.h"

G_BEGIN_DECLS

typedef struct _RsproPeer RsproPeer;

/* every PDU on any accepted link; @msg only valid during the call */
typedef void (*RsproPeerMsgFunc)(RsproPeer *peer, RsproLink *link, const RsproMsg *msg,
                                 gpointer user_data);
/* a link was accepted (@error NULL) or went down by itself (@error says why) */
typedef void (*RsproPeerLinkFunc)(RsproPeer *peer, RsproLink *link, const GError *error,
                                  gpointer user_data);

/* listens on 127.0.0.1:@port (0 = any free port); NULL with @error on failure */
RsproPeer *rspro_peer_new(RsproLinkRole role, const gchar *name, guint16 port, GError **error);
/* closes the listener and every link (no callbacks) */
void rspro_peer_free(RsproPeer *self);

guint16 rspro_peer_get_port(const RsproPeer *self);
void rspro_peer_set_callbacks(RsproPeer *self, RsproPeerMsgFunc on_msg, RsproPeerLinkFunc on_link,
                              gpointer user_data);
/* for links accepted later; 0 = no PINGs */
void rspro_peer_set_keepalive(RsproPeer *self, guint ping_interval_ms, guint pong_timeout_ms);
/* links accepted and still up */
guint rspro_peer_count_links(const RsproPeer *self);
/* the most recently accepted link still up, or NULL */
RsproLink *rspro_peer_last_link(const RsproPeer *self);
/* closes every link (no callbacks; the other side sees TCP down) */
void rspro_peer_close_links(RsproPeer *self);
/* total links accepted */
guint rspro_peer_get_accepted(const RsproPeer *self);

/* encodes and sends, aborting the test if it cannot */
void rspro_peer_send(RsproLink *link, const RsproMsg *msg);

/* the identities fake peers use */
void rspro_peer_fill_identity(RsproIdentity *identity, RsproComponentType type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RsproPeer, rspro_peer_free)

G_END_DECLS
