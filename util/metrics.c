/*
 * metrics - counters every daemon keeps for the metrics service; see
 * metrics.h.
 *
 * Implementation notes. Every update is an __atomic_fetch_add with
 * relaxed ordering on the shared mapping: counts need no order between
 * them, and a reader only needs each word whole. A new file is made by
 * ftruncate() (every concurrent creator extends it to the same size, so
 * no one's counts are lost); the first process to find the magic number
 * zero sets it and the creation time with a compare-and-swap. The
 * mapping stays for the life of the process (the kernel writes it back to
 * the file now and then and at the end; nobody calls msync()).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "metrics.h"
#include "msg.h"

const double metrics_bounds[METRICS_BUCKETS] = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
    2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400};
const char *const metrics_bound_text[METRICS_BUCKETS] = {"0.01", "0.05", "0.1",
    "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "300.0",
    "1800.0", "3600.0", "21600.0", "86400.0"};

static struct metrics_shm *metrics_map;
static int metrics_slot_idx = -1;

/* metrics_check - the opened file is ours: regular, one link, our uid */

static int
metrics_check(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		msg_warn("metrics: fstat %s: %m", METRICS_FILE);
		return (-1);
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != geteuid()) {
		msg_warn("metrics: %s: not a regular file with one link owned "
			 "by uid %ld; not counting",
		    METRICS_FILE, (long)geteuid());
		return (-1);
	}
	if ((size_t)st.st_size < sizeof(struct metrics_shm) &&
	    ftruncate(fd, sizeof(struct metrics_shm)) < 0) {
		msg_warn("metrics: extend %s: %m", METRICS_FILE);
		return (-1);
	}
	return (0);
}

/* metrics_claim_stale - a slot left with our pid belongs to a dead
 * process that had it before: take it over, cleared */

static void
metrics_claim_stale(struct metrics_shm *m)
{
	int32_t me = (int32_t)msg_pid();

	for (int i = 0; i < METRICS_SLOTS; i++) {
		if (__atomic_load_n(&m->slot[i].pid, __ATOMIC_RELAXED) != me)
			continue;
		for (int g = 0; g < METRICS_GAUGES; g++)
			__atomic_store_n(&m->slot[i].gauge[g], 0,
			    __ATOMIC_RELAXED);
		metrics_slot_idx = i;
		return;
	}
}

int
metrics_attach(void)
{
	struct metrics_shm *m;
	uint64_t zero = 0;
	int fd;

	if (metrics_map)
		return (0);
	fd =
	    open(METRICS_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno != EACCES && errno != ENOENT)
			msg_warn("metrics: open %s: %m", METRICS_FILE);
		return (-1);
	}
	if (metrics_check(fd) < 0) {
		(void)close(fd);
		return (-1);
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	(void)close(fd);
	if (m == MAP_FAILED) {
		msg_warn("metrics: mmap %s: %m", METRICS_FILE);
		return (-1);
	}
	if (__atomic_compare_exchange_n(&m->magic, &zero, METRICS_MAGIC, 0,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&m->size, sizeof(*m), __ATOMIC_RELAXED);
		__atomic_store_n(&m->created, (int64_t)time(NULL),
		    __ATOMIC_RELEASE);
	} else if (zero != METRICS_MAGIC) {
		msg_warn("metrics: %s: bad magic number; not counting",
		    METRICS_FILE);
		(void)munmap(m, sizeof(*m));
		return (-1);
	}
	metrics_map = m;
	metrics_claim_stale(m);
	return (0);
}

const struct metrics_shm *
metrics_shared(void)
{
	return (metrics_map);
}

void
metrics_inc(enum metrics_counter c)
{
	if (metrics_map && (unsigned)c < METRICS_COUNTERS)
		__atomic_fetch_add(&metrics_map->counter[c], 1,
		    __ATOMIC_RELAXED);
}

void
metrics_reject(int code)
{
	if (code >= 400 && code < 500)
		metrics_inc(METRIC_REJECT_4XX);
	else if (code >= 500 && code < 600)
		metrics_inc(METRIC_REJECT_5XX);
}

void
metrics_delivery(const char *status)
{
	if (strcmp(status, "sent") == 0)
		metrics_inc(METRIC_SENT);
	else if (strcmp(status, "bounced") == 0)
		metrics_inc(METRIC_BOUNCED);
	else if (strcmp(status, "deferred") == 0 ||
	    strcmp(status, "SOFTBOUNCE") == 0)
		metrics_inc(METRIC_DEFERRED);
}

void
metrics_observe(enum metrics_stage st, double seconds)
{
	struct metrics_hist *h;
	int b;

	if (metrics_map == NULL || (unsigned)st >= METRICS_STAGES)
		return;
	if (!(seconds > 0)) /* also NaN */
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9;
	h = &metrics_map->hist[st];
	for (b = 0; b < METRICS_BUCKETS && seconds > metrics_bounds[b]; b++)
		;
	__atomic_fetch_add(&h->bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->sum_us, (uint64_t)(seconds * 1e6 + 0.5),
	    __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
}

/* metrics_alive - the process of a slot still exists */

static int
metrics_alive(int32_t pid)
{
	return (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM));
}

/* metrics_slot - this process's slot, claimed on first use, or -1 */

static int
metrics_slot(void)
{
	struct metrics_shm *m = metrics_map;
	int32_t me = (int32_t)msg_pid();

	if (metrics_slot_idx >= 0 &&
	    __atomic_load_n(&m->slot[metrics_slot_idx].pid, __ATOMIC_RELAXED) ==
		me)
		return (metrics_slot_idx);
	for (int i = 0; i < METRICS_SLOTS; i++) {
		int32_t p = __atomic_load_n(&m->slot[i].pid, __ATOMIC_RELAXED);

		if (p != 0 && metrics_alive(p))
			continue;
		if (!__atomic_compare_exchange_n(&m->slot[i].pid, &p, me, 0,
			__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		for (int g = 0; g < METRICS_GAUGES; g++)
			__atomic_store_n(&m->slot[i].gauge[g], 0,
			    __ATOMIC_RELAXED);
		return (metrics_slot_idx = i);
	}
	return (-1);
}

void
metrics_gauge_add(enum metrics_gauge g, long delta)
{
	int i;

	if (metrics_map == NULL || (unsigned)g >= METRICS_GAUGES)
		return;
	if ((i = metrics_slot()) < 0)
		return;
	__atomic_fetch_add(&metrics_map->slot[i].gauge[g], (int64_t)delta,
	    __ATOMIC_RELAXED);
}

long
metrics_gauge_sum(enum metrics_gauge g)
{
	long sum = 0;

	if (metrics_map == NULL || (unsigned)g >= METRICS_GAUGES)
		return (0);
	for (int i = 0; i < METRICS_SLOTS; i++) {
		int32_t p = __atomic_load_n(&metrics_map->slot[i].pid,
		    __ATOMIC_RELAXED);

		if (metrics_alive(p))
			sum += (long)
			    __atomic_load_n(&metrics_map->slot[i].gauge[g],
				__ATOMIC_RELAXED);
	}
	return (sum);
}
