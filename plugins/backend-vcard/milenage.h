// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Milenage (3GPP TS 35.205/35.206) over nettle's AES-128, and the GSM
 * conversion functions of TS 33.102 §6.8.1.2 (c2, c3). Plain C, no state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VCARD_MILENAGE_KEY_LEN 16
#define VCARD_MILENAGE_RAND_LEN 16
#define VCARD_MILENAGE_SQN_LEN 6
#define VCARD_MILENAGE_AMF_LEN 2
#define VCARD_MILENAGE_MAC_LEN 8
#define VCARD_MILENAGE_RES_LEN 8
#define VCARD_MILENAGE_AK_LEN 6

/* How SRES is made from RES when a 2G challenge meets a Milenage card. */
typedef enum {
	VCARD_SRES_XOR,      /* TS 33.102 c2: RES[0..3] xor RES[4..7] */
	VCARD_SRES_TRUNCATE, /* TS 55.205 GSM-MILENAGE: RES[0..3] */
} VcardSresMode;

/* OPc = OP xor E_K(OP). */
void vcard_milenage_opc(const guint8 k[16], const guint8 op[16], guint8 opc[16]);

/* f1 (MAC-A) and f1* (MAC-S); either output may be NULL. */
void vcard_milenage_f1(const guint8 k[16], const guint8 opc[16], const guint8 rand[16],
                       const guint8 sqn[6], const guint8 amf[2], guint8 mac_a[8], guint8 mac_s[8]);

/* f2 (RES), f3 (CK), f4 (IK), f5 (AK), f5* (AK for resync); any output may be NULL. */
void vcard_milenage_f2345(const guint8 k[16], const guint8 opc[16], const guint8 rand[16],
                          guint8 res[8], guint8 ck[16], guint8 ik[16], guint8 ak[6],
                          guint8 ak_star[6]);

/* TS 33.102 c3: Kc = CK1 xor CK2 xor IK1 xor IK2 (64-bit halves). */
void vcard_milenage_c3(const guint8 ck[16], const guint8 ik[16], guint8 kc[8]);

/* SRES from an 8-byte RES per @mode. */
void vcard_milenage_sres(const guint8 res[8], VcardSresMode mode, guint8 sres[4]);

/* SRES and Kc for a 2G challenge (RUN GSM ALGORITHM, AUTHENTICATE GSM context). */
void vcard_milenage_gsm(const guint8 k[16], const guint8 opc[16], const guint8 rand[16],
                        VcardSresMode mode, guint8 sres[4], guint8 kc[8]);

G_END_DECLS
