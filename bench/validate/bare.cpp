/* SPDX-License-Identifier: Apache-2.0 */
// The reference of bench/validate: a bare simdjson loop, compiled by run.py
// at bench time.  One DOM parse per line of a mapped file (the kernel chosen
// at run time, as in codebook), and the string at "reason_code" fetched;
// no code check, no line numbers, no output but a count.  It shows what the
// hardware and simdjson allow at the time of the run, so that codebook's
// figure can be read against it on a machine whose speed varies.
//
//   bare EVENTS.ndjson
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct stat st;
	int fd;

	if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		std::fprintf(stderr, "usage: bare EVENTS.ndjson\n");
		return 2;
	}
	size_t n = (size_t)st.st_size;
	const char *p = static_cast<const char *>(mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0));
	if (p == MAP_FAILED)
		return 2;
	madvise(const_cast<char *>(p), n, MADV_SEQUENTIAL);
	simdjson::dom::parser parser;
	std::string tail;
	size_t lines = 0, bad = 0;
	for (const char *s = p, *end = p + n; s < end;) {
		const char *nl = static_cast<const char *>(std::memchr(s, '\n', (size_t)(end - s)));
		const char *e = nl ? nl : end;
		const char *line = s;
		if ((size_t)(end - e) < simdjson::SIMDJSON_PADDING) {
			tail.assign(s, (size_t)(e - s));	/* too near the end to read past it */
			tail.append(simdjson::SIMDJSON_PADDING, ' ');
			line = tail.data();
		}
		simdjson::dom::element doc;
		std::string_view code;
		lines++;
		if (parser.parse(line, (size_t)(e - s), false).get(doc) != simdjson::SUCCESS ||
		    doc["reason_code"].get_string().get(code) != simdjson::SUCCESS)
			bad++;
		s = nl ? nl + 1 : end;
	}
	std::printf("lines %zu, not JSON or no string reason_code %zu, kernel %s\n", lines, bad,
	    simdjson::get_active_implementation()->name().c_str());
	return 0;
}
