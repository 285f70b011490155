package parsers

import "testing"

// TestKernelLevelsNameRules checks that every entry of kernelLevels names a
// built-in rule (NewRuleSet checks the other way round: that every rule
// has a level).
func TestKernelLevelsNameRules(t *testing.T) {
	rs, err := NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[string]bool)
	for _, r := range rs.rules {
		names[r.name] = true
	}
	for name := range kernelLevels {
		if !names[name] {
			t.Errorf("kernelLevels names %q, which is no built-in rule", name)
		}
	}
}
