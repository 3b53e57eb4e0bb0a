// SPDX-License-Identifier: GPL-2.0-or-later
/* Contact events from STATUS flags: see st2-host-line.h. */
#include "st2-host-line.h"

#include "st2/st2-proto.h"

static gboolean
flags_active(guint32 flags)
{
	return (flags & ST2_STATUS_F_VCC_PRESENT) && !(flags & ST2_STATUS_F_RESET_ACTIVE);
}

void
st2_line_init(St2Line *self)
{
	self->known = FALSE;
	self->flags = 0;
	self->vcc_lost = TRUE;
}

gboolean
st2_line_is_active(const St2Line *self)
{
	return self->known && flags_active(self->flags);
}

St2LineEvent
st2_line_update(St2Line *self, guint32 flags)
{
	gboolean was_known = self->known;
	guint32 prev = self->flags;
	gboolean vcc = (flags & ST2_STATUS_F_VCC_PRESENT) != 0;
	gboolean prev_vcc = (prev & ST2_STATUS_F_VCC_PRESENT) != 0;

	self->known = TRUE;
	self->flags = flags;
	if (!was_known) {
		/* first look: a card already active was not reset by us; the
		 * firmware waits for the phone's next reset */
		self->vcc_lost = !vcc;
		return ST2_LINE_NONE;
	}
	if (!vcc) {
		gboolean was_on = prev_vcc;

		self->vcc_lost = TRUE;
		return was_on ? ST2_LINE_POWER_OFF : ST2_LINE_NONE;
	}
	if (flags_active(flags)) {
		if (flags_active(prev))
			return ST2_LINE_NONE;
		if (self->vcc_lost || !prev_vcc) {
			self->vcc_lost = FALSE;
			return ST2_LINE_RESET_COLD;
		}
		return ST2_LINE_RESET_WARM;
	}
	/* powered, RST asserted */
	if (flags_active(prev))
		return ST2_LINE_RESET_START;
	return ST2_LINE_NONE;
}

guint32
st2_line_wt_etu(guint8 wi, guint8 d_index)
{
	static const guint8 d[16] = {0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};
	guint32 dv = d_index < G_N_ELEMENTS(d) ? d[d_index] : 0;

	return (guint32)(wi != 0 ? wi : 10) * 960u * (dv != 0 ? dv : 1);
}

const gchar *
st2_line_event_to_string(St2LineEvent event)
{
	switch (event) {
	case ST2_LINE_NONE:
		return "none";
	case ST2_LINE_RESET_START:
		return "reset asserted";
	case ST2_LINE_RESET_COLD:
		return "cold reset";
	case ST2_LINE_RESET_WARM:
		return "warm reset";
	case ST2_LINE_POWER_OFF:
		return "power off";
	}
	return "?";
}
