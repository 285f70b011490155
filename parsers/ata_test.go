package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var ataCases = []lineCase{{
	name: "NCQ read with UNC is one media error",
	records: []string{
		"<3>ata3.00: exception Emask 0x0 SAct 0x80000 SErr 0x0 action 0x0",
		"<3>ata3.00: irq_stat 0x40000008",
		"<3>ata3.00: failed command: READ FPDMA QUEUED",
		"<3>ata3.00: cmd 60/08:98:00:1c:42/00:00:1d:00:00/40 tag 19 ncq dma 4096 in\n         res 41/40:00:00:1c:42/00:00:1d:00:00/40 Emask 0x409 (media error) <F>",
		"<3>ata3.00: status: { DRDY ERR }",
		"<3>ata3.00: error: { UNC }",
	},
	want: []want{{Type: "ATA_MEDIA_ERROR", Kdev: "ata3.00", Sev: event.Error,
		Raw: "ata3.00: exception Emask 0x0 SAct 0x80000 SErr 0x0 action 0x0",
		Msg: "Uncorrectable media error on ATA device ata3.00 (READ FPDMA QUEUED): error { UNC }",
		Ext: map[string]string{"emask": "0x0", "irq_stat": "0x40000008", "ata_tag": "19", "res_error": "media error",
			"ata_status": "DRDY ERR", "ata_error": "UNC"}}},
}, {
	name: "link exception with SError, frozen, then reset and EH complete",
	records: []string{
		"<3>ata1: exception Emask 0x10 SAct 0x0 SErr 0x4050000 action 0xe frozen",
		"<3>ata1: irq_stat 0x00400040, connection status changed",
		"<3>ata1: SError: { PHYRdyChg CommWake DevExch }",
		"<6>ata1: hard resetting link",
		"<3>ata1: COMRESET failed (errno=-16)",
		"<6>ata1: SATA link down (SStatus 0 SControl 300)",
		"<3>ata1.00: disabled",
		"<6>ata1: EH complete",
	},
	want: []want{
		{Type: "ATA_EXCEPTION", Kdev: "ata1", Sev: event.Error, Raw: "ata1: exception Emask 0x10 SAct 0x0 SErr 0x4050000 action 0xe frozen",
			Msg: "ATA exception on ata1", Ext: map[string]string{"serror": "PHYRdyChg CommWake DevExch", "frozen": " frozen"}},
		{Type: "ATA_LINK_RESET", Kdev: "ata1", Sev: event.Info, Raw: "ata1: hard resetting link", Msg: "ATA ata1: hard resetting link"},
		{Type: "ATA_LINK_RESET", Kdev: "ata1", Sev: event.Error, Raw: "ata1: COMRESET failed (errno=-16)"},
		{Type: "ATA_LINK_DOWN", Kdev: "ata1", Sev: event.Info, Raw: "ata1: SATA link down (SStatus 0 SControl 300)"},
		{Type: "ATA_DEVICE_DISABLED", Kdev: "ata1.00", Sev: event.Error, Raw: "ata1.00: disabled"},
		{Type: "ATA_EH_COMPLETE", Kdev: "ata1", Sev: event.Info, Raw: "ata1: EH complete"},
	},
}, {
	name: "a res line printed on its own folds too",
	records: []string{
		"<3>ata2.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x6 frozen",
		"<3>ata2.00: BMDMA stat 0x25",
		"<3>ata2.00: failed command: WRITE DMA EXT",
		"<3>ata2.00: cmd 35/00:08:00:10:00/00:00:00:00:00/e0 tag 0 dma 4096 out",
		"<3>         res 40/00:00:00:00:00/00:00:00:00:00/00 Emask 0x4 (timeout)",
		"<3>ata2.00: status: { DRDY }",
	},
	want: []want{{Type: "ATA_EXCEPTION", Kdev: "ata2.00", Sev: event.Error,
		Raw: "ata2.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x6 frozen",
		Msg: "ATA exception on ata2.00 (WRITE DMA EXT): timeout"}},
},
	none("<3>ata4.00: failed command: READ DMA", "<3>ata4.00: error: { UNC }"),
}

func TestATA(t *testing.T) { runCases(t, ataCases) }
