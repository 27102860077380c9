/*
 * libopendmarc (Debian's libopendmarc-dev) as a judge of DMARC records: one
 * record per line on stdin; per line "<status> <p>" on stdout, where status is
 * opendmarc_policy_parse_dmarc()'s result (0 = DMARC_PARSE_OKAY) and p the
 * policy it read (n, q, r, or - when none). Built and run by
 * test/dmarc-records.test.ts; no DNS is asked.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <opendmarc/dmarc.h>

int main(void)
{
	OPENDMARC_LIB_T lib;
	char line[4096];

	memset(&lib, 0, sizeof lib);
	lib.tld_type = OPENDMARC_TLD_TYPE_NONE;
	if (opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY)
		return 2;
	while (fgets(line, sizeof line, stdin) != NULL) {
		DMARC_POLICY_T *pctx;
		OPENDMARC_STATUS_T status;
		int p = 0;

		line[strcspn(line, "\n")] = '\0';
		pctx = opendmarc_policy_connect_init((u_char *) "192.0.2.1", 0);
		if (pctx == NULL)
			return 3;
		status = opendmarc_policy_parse_dmarc(pctx, (u_char *) "example.com", (u_char *) line);
		if (status == DMARC_PARSE_OKAY)
			(void) opendmarc_policy_fetch_p(pctx, &p);
		printf("%d %c\n", (int) status, p == 0 ? '-' : p);
		(void) opendmarc_policy_connect_shutdown(pctx);
	}
	(void) opendmarc_policy_library_shutdown(&lib);
	return 0;
}
