# Peripety: make build · make check · make install · make demo
GO       ?= go
prefix   ?= /usr
DESTDIR  ?=
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
LDFLAGS  := -X github.com/peripety/peripety/cli.Version=$(VERSION)
# Bounded fuzzing per target in `make check` (see `make fuzz` for longer runs).
FUZZTIME ?= 20s

.PHONY: all build setup check fmt-check vet test corpus fuzz clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/prpt ./cmd/prpt
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/peripetyd ./cmd/peripetyd

# Install the Debian packages and Go modules the build and the tests need.
setup:
	./tests/setup-deps.sh

check: setup fmt-check vet build test fuzz

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...

test:
	$(GO) test -count=1 -timeout 20m ./...

# Score `prpt parse` against the kernel-line corpus.
corpus: build
	@if [ -f ../shared/corpus/score.py ]; then python3 ../shared/corpus/score.py bin/prpt ../shared/corpus; \
	else echo "corpus: ../shared/corpus not beside this tree; TestCorpus covers parsers/testdata/corpus"; fi

fuzz:
	./tests/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
