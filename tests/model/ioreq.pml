/*
 * Promela model of the I/O request ring protocol (hv/ioreq_ring.c,
 * docs/ABI.md "I/O request rings"): one vCPU's synchronous slot and the
 * posted ring's free-running indices, between the hypervisor (producer) and
 * the service domain (consumer). tests/model/check.sh checks it with spin
 * in three variants, chosen with -D:
 *
 *   (default)  honest service, two worker threads; the hypervisor waits
 *   STALE      the hypervisor may give up on a request (timeout policy) and
 *              submit the next one while a slow worker still holds the old
 *              one: its late answer must be refused as stale
 *   HOSTILE    the service writes arbitrary states, sequence numbers, data
 *              and consumer indices at any moment
 *
 * Properties (assertions, valid end states, and the LTL formula `done`):
 *   - no accepted forged or stale completion: an accepted answer is one a
 *     worker wrote for the outstanding request (ghost done_req), and never
 *     arrives when nothing is outstanding
 *   - no double completion: each request completes at most once
 *   - no lost request: at the end every request was completed or reported
 *   - posted writes arrive in order, none overwritten before it is consumed
 *   - the producer's index never runs more than RING ahead of what it saw
 *   - no deadlock (every process ends in a valid end state), and the
 *     hypervisor always finishes (`done`, under weak fairness)
 *
 * Each Promela statement is one shared-memory access as the C code makes
 * it; the acquire/release pairs of the C code are what make this
 * sequentially consistent interleaving a faithful one. A worker's answer
 * (data, done_seq, DONE) and the hypervisor's read of it are single steps:
 * the service contract is that only the worker holding a request writes
 * the answer to it (docs/ABI.md).
 */

#ifdef HOSTILE
#define NREQ 2   /* synchronous requests the hypervisor submits */
#else
#define NREQ 3
#endif
#define NPOST 4  /* posted writes */
#define RING 2   /* posted ring entries */
#define START 253 /* first index: the 8-bit indices wrap during the run */
#if defined(STALE) || defined(HOSTILE)
#define MAXPOLL 3 /* the timeout policy fires after this many looks at the slot */
#else
#define MAXPOLL 255
#endif

#define FREE 0
#define PENDING 1
#define PROCESSING 2
#define DONE 3

#define RESP(r) ((r) + 10) /* the honest answer to request r */
#define IDX(x) ((x) % 256)

/* ---- the shared slot ---- */
byte state = FREE;
byte seq = 0;       /* written by the hypervisor */
byte done_seq = 0;  /* written by the service */
byte data = 0;      /* written by the service: the answer */
byte slot_req = 0;  /* ghost: the request the hypervisor put in the slot */
byte done_req = 0;  /* ghost: the request the answer in `data` was made for */

/* ---- the hypervisor's private state ---- */
byte my_seq = 0;
bool busy = false;
byte completed[NREQ + 1];
byte reported[NREQ + 1];
bool hv_done = false;

/* ---- the posted ring ---- */
byte prod = START;     /* shared, written by the hypervisor */
byte cons = START;     /* shared, written by the service */
byte ring[RING];
bool unconsumed[RING]; /* ghost: an entry written and not yet popped */
byte delivered = 0;    /* ghost: posted writes the service received in order */
byte posted_fate = 0;  /* ghost: posted writes pushed, or reported to the caller */
bool ring_done = false;

/* ---- hypervisor: synchronous requests ---- */

inline submit(n, ok)
{
	/* acquire load of state: FREE, or DONE (a late answer) while idle */
	if
	:: state == FREE || state == DONE -> ok = true
	:: else -> ok = false
	fi;
	if
	:: ok ->
		d_step {
			my_seq = my_seq + 1;
			busy = true;
			seq = my_seq;
			slot_req = n;
			done_seq = 0
		};
		state = PENDING /* release: the request is visible first */
	:: else -> skip
	fi
}

inline report(n)
{
	d_step { busy = false; reported[n]++ };
	state = FREE /* cancel: release store of FREE */
}

proctype hypervisor()
{
	byte n = 1, st, ds, d, dr, polls;
	bool ok;

	do
	:: n > NREQ -> break
	:: else ->
		submit(n, ok);
		if
		:: !ok -> /* protocol violation: reported, caller resets the slot */
			d_step { reported[n]++; state = FREE };
			goto next
		:: else -> skip
		fi;
		polls = 0;
wait:
		if
		:: polls < MAXPOLL && (state == DONE || state > DONE || state == FREE) -> polls++
#if defined(STALE) || defined(HOSTILE)
		:: true -> /* timeout policy: give up on the request (forced after MAXPOLL looks) */
			report(n);
			goto next
#endif
		fi;
		/* complete_check: state (acquire), then done_seq and data */
		atomic { st = state; ds = done_seq; d = data; dr = done_req };
		if
		:: st == PENDING || st == PROCESSING -> goto wait
		:: st != DONE -> report(n) /* protocol violation */
		:: st == DONE && ds != my_seq /* seq-check */ -> report(n) /* stale */
		:: else ->
			assert(busy);
			d_step { busy = false; completed[n]++ };
			assert(completed[n] == 1);
#ifndef HOSTILE
			assert(dr == n && d == RESP(n)); /* the answer to this very request */
#endif
			state = FREE
		fi;
next:
		n++
	od;
	hv_done = true;
	/* no lost request: each one completed or reported, exactly once */
	n = 1;
	do
	:: n > NREQ -> break
	:: else -> assert(completed[n] + reported[n] == 1); n++
	od
}

/* ---- service: an honest worker thread ---- */

proctype worker()
{
	byte s, r;

end:
	do
	:: atomic { state == PENDING -> state = PROCESSING; s = seq; r = slot_req };
		/* ioreq_slot_finish: check that we still hold it, then answer */
		if
		:: state == PROCESSING ->
			d_step { data = RESP(r); done_req = r; done_seq = s; state = DONE }
		:: else -> skip
		fi
	od
}

#ifdef HOSTILE
/* ---- service: writes anything, any time ---- */
proctype vandal()
{
end:
	do
#ifdef PART_SLOT
	:: select(state : 0 .. 4)
	:: select(done_seq : 0 .. NREQ + 1)
	:: d_step { data = 99; done_req = 0 }
	:: d_step { done_seq = seq; data = 77; done_req = 0; state = DONE } /* forger */
#endif
#ifdef PART_RING
	/* relative to prod, so that the 8-bit index space stays small */
	:: cons = IDX(prod + 1)   /* past the producer */
	:: cons = IDX(prod + 128) /* a gap larger than the ring */
	:: cons = IDX(prod + 254) /* behind: possibly moving backwards */
#endif
	od
}
#endif

/* ---- hypervisor: posted writes ---- */

proctype ring_producer()
{
	byte v = 1, c, seen = START, waits = 0;

	do
	:: v > NPOST -> break
	:: else ->
		c = cons; /* acquire */
		if
		:: IDX(c - seen + 256) > IDX(prod - seen + 256) ->
			/* protocol violation: this write and the rest are reported, not lost silently */
			posted_fate = posted_fate + NPOST + 1 - v;
			break
		:: else -> seen = c
		fi;
		assert(IDX(prod - seen + 256) <= RING);
		if
		:: IDX(prod - c + 256) >= RING ->
			/* full: the caller waits for the consumer to move ... */
			if
			:: waits < MAXPOLL && cons != c -> waits++
#ifdef HOSTILE
			/* ... or falls back to a synchronous request (forced after MAXPOLL waits) */
			:: true -> posted_fate++; v++; waits = 0
#endif
			fi
		:: else ->
#ifndef HOSTILE
			assert(!unconsumed[prod % RING]);
#endif
			d_step { ring[prod % RING] = v; unconsumed[prod % RING] = true };
			prod = IDX(prod + 1); /* release */
			posted_fate++;
			waits = 0;
			v++
		fi
	od;
	ring_done = true
}

proctype ring_consumer()
{
	byte p, c, v;

end:
	do
	:: p = prod; /* acquire */
		c = cons;
		if
		:: p == c -> /* empty: sleep until the next interrupt */
end_empty:	(prod != p)
		:: IDX(p - c + 256) > RING -> skip /* refuse a corrupt ring */
		:: else ->
			d_step { v = ring[c % RING]; unconsumed[c % RING] = false };
#ifndef HOSTILE
			assert(v == delivered + 1); /* in order, none skipped */
			delivered++;
#endif
			cons = IDX(c + 1) /* release */
		fi
	od
}

/* One part at a time (-DPART_SLOT or -DPART_RING): the state spaces multiply otherwise. */
init
{
	atomic {
#ifdef PART_SLOT
		run hypervisor();
		run worker();
#ifndef HOSTILE
		run worker();
#endif
#else
		hv_done = true;
#endif
#ifdef PART_RING
		run ring_producer();
		run ring_consumer();
#else
		ring_done = true;
		posted_fate = NPOST;
		delivered = NPOST;
#endif
#ifdef HOSTILE
		run vandal();
#endif
	}
}

#ifdef LIVENESS
/* The hypervisor and the posted producer always finish, every write accounted for. */
#ifdef HOSTILE
#define ALL_DELIVERED true
#else
#define ALL_DELIVERED (delivered == NPOST)
#endif
ltl done { <> (hv_done && ring_done && posted_fate == NPOST && ALL_DELIVERED) }
#endif
