// SPDX-License-Identifier: GPL-2.0-or-later
/* sd_notify(3) over a plain unix datagram socket. */
#define G_LOG_DOMAIN "cardroute"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cr-notify.h"

gboolean
cr_notify(const gchar *state)
{
	const gchar *path = g_getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	gsize len;
	socklen_t salen;
	ssize_t sent;
	int fd;

	if (path == NULL || path[0] == '\0')
		return FALSE;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		g_debug("NOTIFY_SOCKET '%s' is not a usable socket path", path);
		return FALSE;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace: no terminating NUL counted */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_debug("notify: socket: %s", g_strerror(errno));
		return FALSE;
	}
	do
		sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		              salen);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		g_debug("notify %s: %s", path, g_strerror(errno));
	close(fd);
	return sent == (ssize_t)strlen(state);
}

gboolean
cr_notify_ready(const gchar *status)
{
	g_autofree gchar *s = g_strdup_printf("READY=1\nMAINPID=%d\nSTATUS=%s", (int)getpid(),
	                                      status != NULL ? status : "running");
	return cr_notify(s);
}

gboolean
cr_notify_reloading(void)
{
	g_autofree gchar *s = g_strdup_printf("RELOADING=1\nMONOTONIC_USEC=%" G_GINT64_FORMAT
	                                      "\nSTATUS=reloading the configuration",
	                                      g_get_monotonic_time());
	return cr_notify(s);
}

gboolean
cr_notify_stopping(void)
{
	return cr_notify("STOPPING=1\nSTATUS=shutting down");
}
