// SPDX-License-Identifier: GPL-2.0-or-later
/* cardroute-bench SCENARIO [options]: prints figures, never judges them. */
#include <string.h>

#include "bench.h"

static const BenchScenario scenarios[] = {
	{"core", "frontend slot -> core -> backend-vcard, against backend-vcard direct",
	 bench_core},
	{"simtrace2", "st2-sim phone -> frontend-simtrace2 -> core -> vcard, vs core", bench_simtrace2},
	{"pcsc", "PC/SC client: vcard via vpcd slot 0, and the pcsc+vpcd loop", bench_pcsc},
	{"rspro", "frontend slot -> backend-remote -> RSPRO loopback -> bankd (vcard)", bench_rspro},
	{"bank", "N RSPRO clients -> rspro-bank -> N backend-vcard cards over loopback", bench_bank},
	{"server", "rspro-server with N clients + B banks: RSS, idle CPU, slotmap push", bench_server},
};

static void
usage(void)
{
	g_printerr("usage: cardroute-bench SCENARIO [--transactions N] [--json] [options]\n"
		   "scenarios:\n");
	for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
		g_printerr("  %-10s %s\n", scenarios[i].name, scenarios[i].summary);
	g_printerr("cardroute-bench SCENARIO --help shows its options\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		usage();
		return 2;
	}
	g_log_set_writer_func(g_log_writer_default, NULL, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			return scenarios[i].run(argc - 1, argv + 1);
	g_printerr("cardroute-bench: unknown scenario '%s'\n", argv[1]);
	usage();
	return 2;
}
