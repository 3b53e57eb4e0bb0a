// SPDX-License-Identifier: GPL-2.0-or-later
/* Who holds a TCP port, from /proc: for bind errors that say more than
 * "Address already in use". */
#define G_LOG_DOMAIN "cardroute"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardroute/cr-error.h"
#include "cardroute/cr-net.h"

/* The inode of a socket listening on @port in a /proc/net/tcp* table; 0.
 * Busy hosts have tens of thousands of lines: parsed in place. */
static guint64
listening_inode(const gchar *table, guint16 port)
{
	g_autofree gchar *text = NULL;
	const gchar *line;
	if (!g_file_get_contents(table, &text, NULL, NULL))
		return 0;
	line = strchr(text, '\n'); /* the header */
	while (line != NULL && *++line != '\0') {
		/* "sl: LOCAL_IP:PORT REMOTE_IP:PORT ST TX:RX TR:WHEN RETR UID TIMEOUT INODE" */
		unsigned int local_port = 0, state = 0;
		unsigned long inode = 0;
		if (sscanf(line,
		           "%*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*u %*u %lu",
		           &local_port, &state, &inode) == 3 &&
		    local_port == port && state == 0x0A)
			return inode;
		line = strchr(line, '\n');
	}
	return 0;
}

static gchar *
process_with_socket(guint64 inode)
{
	g_autofree gchar *want = g_strdup_printf("socket:[%" G_GUINT64_FORMAT "]", inode);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *pid;
	while (proc != NULL && (pid = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *fd_dir = NULL;
		g_autoptr(GDir) fds = NULL;
		const gchar *fd;
		if (!g_ascii_isdigit(pid[0]))
			continue;
		fd_dir = g_build_filename("/proc", pid, "fd", NULL);
		fds = g_dir_open(fd_dir, 0, NULL);
		while (fds != NULL && (fd = g_dir_read_name(fds)) != NULL) {
			g_autofree gchar *link = g_build_filename(fd_dir, fd, NULL);
			g_autofree gchar *target = g_file_read_link(link, NULL);
			if (g_strcmp0(target, want) == 0) {
				g_autofree gchar *comm_path =
				        g_build_filename("/proc", pid, "comm", NULL);
				g_autofree gchar *comm = NULL;
				if (g_file_get_contents(comm_path, &comm, NULL, NULL))
					return g_strdup_printf("pid %s (%s)", pid,
					                       g_strstrip(comm));
				return g_strdup_printf("pid %s", pid);
			}
		}
	}
	return NULL;
}

gchar *
cr_net_port_owner(guint16 port)
{
	const gchar *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	for (guint i = 0; i < G_N_ELEMENTS(tables); i++) {
		guint64 inode = listening_inode(tables[i], port);
		gchar *who;
		if (inode == 0)
			continue;
		who = process_with_socket(inode);
		return who != NULL ? who : g_strdup("a socket of another user or namespace");
	}
	return NULL;
}

gchar *
cr_net_describe_bind_error(const GError *error, guint16 port)
{
	g_autofree gchar *who = NULL;
	if (error == NULL)
		return g_strdup("failed");
	if (port != 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
		who = cr_net_port_owner(port);
	if (who != NULL)
		return g_strdup_printf("%s, held by %s", error->message, who);
	return g_strdup(error->message);
}

void
cr_net_set_listen_error(GError **error, CrErrorCode code, const GError *listen_error, guint16 port,
                        const gchar *what)
{
	g_autofree gchar *why = cr_net_describe_bind_error(listen_error, port);

	g_set_error(error, CR_ERROR, code, "%s: %s", what, why);
}
