// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The card engine: one virtual UICC/SIM made from a profile. Command bytes in,
 * response bytes out; no I/O, no allocation per command, no logging.
 */
#pragma once

#include <glib.h>

#include "vcard-profile.h"

G_BEGIN_DECLS

/* The longest response of a card with short lengths only: 256 data bytes +
 * SW1 SW2. */
#define VCARD_RESPONSE_MAX 258
/* A card with extended lengths ([card] extended-length): its longest
 * response data (one READ BINARY of a 4 KiB file), command data (one
 * UPDATE BINARY or a whole chain), and response. */
#define VCARD_EXT_DATA_MAX 4096
#define VCARD_EXT_RESPONSE_MAX (VCARD_EXT_DATA_MAX + 2)

typedef struct _VcardCard VcardCard;

/* A fresh card (its own copy of the profile's contents), just reset. */
VcardCard *vcard_card_new(VcardProfile *profile);
void vcard_card_free(VcardCard *card);
VcardProfile *vcard_card_get_profile(VcardCard *card);

/*
 * Resets the card: MF selected, no current EF or application, pending GET
 * RESPONSE data dropped, security status (verified PINs) cleared. File
 * contents, PIN values, retry counters and SQN survive, as on a real card.
 */
void vcard_card_reset(VcardCard *card, gboolean cold);

/*
 * Processes one command, a C-APDU or a T=0 C-TPDU (see README.md for how the
 * two are told apart), and writes the response (data ‖ SW1 SW2, at least two
 * bytes) into @response, which holds vcard_card_response_max() bytes.
 * Returns its length.
 */
gsize vcard_card_process(VcardCard *card, const guint8 *command, gsize len, guint8 *response);
/* VCARD_RESPONSE_MAX, or VCARD_EXT_RESPONSE_MAX for a card with extended
 * lengths. */
gsize vcard_card_response_max(VcardCard *card);

/* For tests and descriptions. */
const VcardFile *vcard_card_get_current_df(VcardCard *card);
const VcardFile *vcard_card_get_current_ef(VcardCard *card);
guint vcard_card_get_pin_retries(VcardCard *card, VcardPinId pin);
gboolean vcard_card_is_pin_verified(VcardCard *card, VcardPinId pin);
/* A pointer into the card's copy of @file's contents (its whole body). */
const guint8 *vcard_card_peek_file(VcardCard *card, const VcardFile *file);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcardCard, vcard_card_free)

G_END_DECLS
