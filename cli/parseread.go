package cli

import (
	"context"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// recordBatches reads a log's records on a goroutine of its own, a batch at
// a time, for `prpt parse`: reading and decoding the log and the filter that
// turns down most of its lines (parsers.Prefilter) take as long as matching,
// folding and printing the rest, and on a second core they overlap. The
// records come out in the order read, so the events do too.
type recordBatches struct {
	full chan *recordBatch
	free chan *recordBatch
	done chan struct{}
	stop context.CancelFunc
}

// recordBatch is a batch of records, with what the prefilter found of
// each (found[i] of recs[i]; cand holds their candidate rules); err, set
// on the last one, is what ended the reading (io.EOF at the end of the
// log).
type recordBatch struct {
	recs  []parsers.Record
	found []parsers.Prefiltered
	cand  []int32
	err   error
}

const (
	// batchRecords is the records of a batch: enough that handing a
	// batch over costs little a record, few enough that a batch of the
	// largest records stays small.
	batchRecords = 256
	// batchesAhead bounds the batches read and not yet parsed.
	batchesAhead = 4
)

// readBatches starts reading r through f, which must be r's filter, until
// the end of the log, a read error, ctx's end or close.
func readBatches(ctx context.Context, r *logfmt.Reader, f *parsers.Prefilter) *recordBatches {
	ctx, cancel := context.WithCancel(ctx)
	b := &recordBatches{
		full: make(chan *recordBatch, batchesAhead),
		free: make(chan *recordBatch, batchesAhead+1),
		done: make(chan struct{}),
		stop: cancel,
	}
	for range batchesAhead + 1 {
		b.free <- &recordBatch{recs: make([]parsers.Record, 0, batchRecords), found: make([]parsers.Prefiltered, 0, batchRecords)}
	}
	go b.run(ctx, r, f)
	return b
}

func (b *recordBatches) run(ctx context.Context, r *logfmt.Reader, f *parsers.Prefilter) {
	defer close(b.done)
	for {
		var batch *recordBatch
		select {
		case batch = <-b.free:
		case <-ctx.Done():
			return
		}
		for len(batch.recs) < cap(batch.recs) {
			rec, err := r.Next()
			if err != nil {
				batch.err = err
				break
			}
			var found parsers.Prefiltered
			batch.cand, found = f.Found(&rec, batch.cand)
			batch.recs = append(batch.recs, rec)
			batch.found = append(batch.found, found)
		}
		select {
		case b.full <- batch:
		case <-ctx.Done():
			return
		}
		if batch.err != nil {
			return
		}
	}
}

// next returns the next batch; after the one with an error, nothing
// more comes.
func (b *recordBatches) next(ctx context.Context) *recordBatch {
	select {
	case batch := <-b.full:
		return batch
	case <-ctx.Done():
		return &recordBatch{err: ctx.Err()}
	}
}

// recycle gives back a batch that has been parsed.
func (b *recordBatches) recycle(batch *recordBatch) {
	clear(batch.recs) // no Message kept alive
	batch.recs, batch.found, batch.cand = batch.recs[:0], batch.found[:0], batch.cand[:0]
	b.free <- batch
}

// close stops the reading and waits for it to end; the reader may be used
// (Skipped) afterwards.
func (b *recordBatches) close() {
	b.stop()
	<-b.done
}
