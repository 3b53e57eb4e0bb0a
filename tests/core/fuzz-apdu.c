// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: C-APDU / R-APDU parsing, the case table and TPDU building. */
#include <stdint.h>

#include <cardroute/cardroute.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CrCommandApdu c;
	CrResponseApdu r;
	guint8 tpdu[260];
	if (cr_command_apdu_parse(data, size, &c, NULL)) {
		g_assert(c.lc == 0 || (c.data >= data && c.data + c.lc <= data + size));
		cr_tpdu_from_command_apdu(&c, tpdu);
		cr_apdu_ins_name(c.cla, c.ins);
	}
	if (cr_response_apdu_parse(data, size, &r, NULL))
		g_assert(r.data_len + 2 == size);
	if (size >= 4)
		(void)cr_apdu_case_lookup(data[0], data[1], data[2], data[3]);
	return 0;
}
