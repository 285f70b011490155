package cli

import (
	"context"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// recordBatches reads a log's records on a goroutine of its own, a batch at
// a time, for `prpt parse`: reading and decoding the log and the filter that
// turns down most of its lines (RuleSet.Wants) take as long as matching,
// folding and printing the rest, and on a second core they overlap. The
// records come out in the order read, so the events do too.
type recordBatches struct {
	full chan recordBatch
	free chan []parsers.Record
	done chan struct{}
	stop context.CancelFunc
}

// recordBatch is a batch of records; err, set on the last one, is what
// ended the reading (io.EOF at the end of the log).
type recordBatch struct {
	recs []parsers.Record
	err  error
}

const (
	// batchRecords is the records of a batch: enough that handing a
	// batch over costs little a record, few enough that a batch of the
	// largest records stays small.
	batchRecords = 256
	// batchesAhead bounds the batches read and not yet parsed.
	batchesAhead = 4
)

// readBatches starts reading r, whose filter must be safe to call from
// another goroutine, until the end of the log, a read error, ctx's end or
// close.
func readBatches(ctx context.Context, r *logfmt.Reader) *recordBatches {
	ctx, cancel := context.WithCancel(ctx)
	b := &recordBatches{
		full: make(chan recordBatch, batchesAhead),
		free: make(chan []parsers.Record, batchesAhead+1),
		done: make(chan struct{}),
		stop: cancel,
	}
	for range batchesAhead + 1 {
		b.free <- make([]parsers.Record, 0, batchRecords)
	}
	go b.run(ctx, r)
	return b
}

func (b *recordBatches) run(ctx context.Context, r *logfmt.Reader) {
	defer close(b.done)
	for {
		var recs []parsers.Record
		select {
		case recs = <-b.free:
		case <-ctx.Done():
			return
		}
		var err error
		for recs = recs[:0]; len(recs) < cap(recs); {
			var rec parsers.Record
			if rec, err = r.Next(); err != nil {
				break
			}
			recs = append(recs, rec)
		}
		select {
		case b.full <- recordBatch{recs, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// next returns the next batch; after the one with an error, nothing
// more comes.
func (b *recordBatches) next(ctx context.Context) recordBatch {
	select {
	case batch := <-b.full:
		return batch
	case <-ctx.Done():
		return recordBatch{err: ctx.Err()}
	}
}

// recycle gives back the records of a batch that has been parsed.
func (b *recordBatches) recycle(recs []parsers.Record) {
	clear(recs) // no Message kept alive
	b.free <- recs[:0]
}

// close stops the reading and waits for it to end; the reader may be used
// (Skipped) afterwards.
func (b *recordBatches) close() {
	b.stop()
	<-b.done
}
