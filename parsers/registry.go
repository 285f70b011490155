package parsers

import "github.com/peripety/peripety/event"

// table is one subsystem's rule table and the file it lives in.
type table struct {
	file  string
	sub   string
	rules []rule
}

// builtinTables lists the built-in rule tables in the order their rules are
// tried. A new subsystem is one file with its table plus one line here.
func builtinTables() []table {
	return []table{
		{"scsi.go", event.SubSCSI, scsiRules},
		{"block.go", event.SubBlock, blockRules},
	}
}
