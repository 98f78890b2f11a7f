/* test_config.c: the configuration file, environment overrides and the secret file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static char dir[64];
static struct config c;
static char err[512];

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[16][128];
	static int n;
	char *p = path[n++ % 16];
	snprintf(p, 128, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

static const char *
good_file(void)
{
	return write_file("good.conf",
		"# a comment\n\n  database = /tmp/x.db  \nsession_hours=12\ncookie_secure = false\n"
		"allowed_origins = https://a.example https://b.example\n", 0644);
}

static void
test_config_file_values_and_defaults(void)
{
	is_int(config_load(&c, good_file(), err, sizeof(err)), 0, "a valid file loads");
	is_str(c.database, "/tmp/x.db", "values are trimmed");
	is_int(c.session_hours, 12, "integers are read");
	ok(!c.cookie_secure, "booleans are read");
	is_int(c.busy_timeout_ms, 5000, "unset keys keep their defaults");
	is_str(c.synchronous, "FULL", "synchronous defaults to FULL");
}

static void
test_config_environment_overrides_file(void)
{
	const char *good = good_file();
	setenv("FROSTBYTE_DATABASE", "/tmp/env.db", 1);
	setenv("FROSTBYTE_SESSION_HOURS", "3", 1);
	is_int(config_load(&c, good, err, sizeof(err)), 0, "environment overrides load");
	is_str(c.database, "/tmp/env.db", "FROSTBYTE_DATABASE overrides the file");
	is_int(c.session_hours, 3, "FROSTBYTE_SESSION_HOURS overrides the file");
	setenv("FROSTBYTE_SESSION_HOURS", "zero", 1);
	is_int(config_load(&c, good, err, sizeof(err)), -1, "a bad environment value is refused");
	ok(strstr(err, "FROSTBYTE_SESSION_HOURS") != NULL, "... naming the variable");
	unsetenv("FROSTBYTE_SESSION_HOURS");
	unsetenv("FROSTBYTE_DATABASE");
}

static void
test_config_refuses_bad_files(void)
{
	is_int(config_load(&c, write_file("u.conf", "colour = blue\n", 0644), err, sizeof(err)), -1,
	       "an unknown key is refused");
	ok(strstr(err, ":1:") != NULL && strstr(err, "colour") != NULL, "... with file, line and key");
	is_int(config_load(&c, write_file("n.conf", "just words\n", 0644), err, sizeof(err)), -1,
	       "a line without = is refused");
	is_int(config_load(&c, write_file("r.conf", "busy_timeout_ms = 99999999\n", 0644), err, sizeof(err)),
	       -1, "an out-of-range number is refused");
	is_int(config_load(&c, write_file("s.conf", "synchronous = OFF\n", 0644), err, sizeof(err)), -1,
	       "synchronous=OFF is refused");
	is_int(config_load(&c, "/nonexistent/frostbyte.conf", err, sizeof(err)), -1,
	       "a named file that is missing is an error");
}

static void
test_secret_must_be_long_and_private(void)
{
	is_int(config_load(&c, good_file(), err, sizeof(err)), 0, "reload");
	snprintf(c.secret_file, sizeof(c.secret_file), "%s/none", dir);
	is_int(config_load_secret(&c, err, sizeof(err)), -1, "a missing secret file refuses to start");
	ok(strstr(err, "head -c 48 /dev/urandom") != NULL, "... and says how to make one");
	snprintf(c.secret_file, sizeof(c.secret_file), "%s",
		 write_file("short", "too short", 0600));
	is_int(config_load_secret(&c, err, sizeof(err)), -1, "a secret under 32 bytes is refused");
	snprintf(c.secret_file, sizeof(c.secret_file), "%s",
		 write_file("open", "0123456789012345678901234567890123456789", 0644));
	is_int(config_load_secret(&c, err, sizeof(err)), -1, "a secret readable by others is refused");
	snprintf(c.secret_file, sizeof(c.secret_file), "%s",
		 write_file("good", "0123456789012345678901234567890123456789", 0600));
	is_int(config_load_secret(&c, err, sizeof(err)), 0, "a 0600 secret of 40 bytes is accepted");
	is_int((long long)c.secret_len, 40, "... all 40 bytes are used");
}

static const struct tap_case cases[] = {
	TAP_CASE(test_config_file_values_and_defaults),
	TAP_CASE(test_config_environment_overrides_file),
	TAP_CASE(test_config_refuses_bad_files),
	TAP_CASE(test_secret_must_be_long_and_private),
};

int
main(int argc, char **argv)
{
	snprintf(dir, sizeof(dir), "/tmp/frostbyte-config-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	unsetenv("FROSTBYTE_CONFIG");
	unsetenv("FROSTBYTE_DATABASE");
	tap_run(cases, TAP_COUNT(cases), argc, argv);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
