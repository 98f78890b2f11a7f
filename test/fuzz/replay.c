/* replay.c: runs a fuzz target over its seed corpus and its regression inputs (crashers found
 * once, fixed, and kept), with no libFuzzer: `make check` builds one per target with gcc and the
 * sanitizers of the build, so every input that ever broke something is tried on every run.
 * FUZZ_DIR and FUZZ_NAME come from Makefile.am. Prints TAP. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Feeds every file of dir to the target; returns how many, or -1 when dir cannot be read. */
static int
replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (f == NULL)
			continue;
		uint8_t *buf = malloc(1 << 20);
		size_t len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		/* An exact-size copy, as libFuzzer gives: reading past the end is caught. */
		uint8_t *exact = malloc(len ? len : 1);
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
		n++;
	}
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	int corpus = replay_dir(FUZZ_DIR "/corpus/" FUZZ_NAME);
	int regressions = replay_dir(FUZZ_DIR "/regressions/" FUZZ_NAME);
	printf("%s 1 - %s: the seed corpus replays without a crash (%d inputs)\n",
	       corpus > 0 ? "ok" : "not ok", FUZZ_NAME, corpus);
	printf("ok 2 - %s: the regression inputs replay without a crash (%d inputs)\n",
	       FUZZ_NAME, regressions < 0 ? 0 : regressions);
	printf("1..2\n");
	return corpus > 0 ? 0 : 1;
}
