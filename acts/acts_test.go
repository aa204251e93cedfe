package acts

import (
	"testing"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
)

func TestOf_SaysWhatEachVendorOperationDid(t *testing.T) {
	tests := []struct {
		name                          string
		kind, action, detail, attribs string
		want                          string
	}{
		{"ScreenConnect host connection", record.KindRemoteSession, "Connected", "", `{"session_type":"Support"}`,
			"had a remote control session"},
		{"ScreenConnect unattended connection", record.KindRemoteSession, "Connected", "", `{"session_type":"Access"}`,
			"had a remote control session through the unattended agent"},
		{"ScreenConnect command", record.KindCommand, "QueuedCommand", "command (82 characters)", `{}`,
			"ran a command (82 characters)"},
		{"ScreenConnect toolbox", record.KindCommand, "QueuedElevatedTool", "toolbox item, elevated", ``,
			"ran a toolbox item, elevated"},
		{"ScreenConnect uninstall", record.KindCommand, "QueuedUninstall", "uninstall the agent", ``,
			"uninstalled the agent"},
		{"ScreenConnect files", record.KindCommand, "SentFiles", "files sent: 2", ``, "sent 2 files"},
		{"ScreenConnect backstage", record.KindCommand, "SwitchedLogonSession", "switched to backstage", ``, "switched to backstage"},
		{"ScreenConnect unknown type", record.KindCommand, "QueuedSomethingNew", "", ``, "ran queued something new (QueuedSomethingNew)"},
		{"Datto RMM takeover", record.KindRemoteSession, "remote/jrto", "", `{"remote_session_type":"rdp"}`, "had a remote takeover session"},
		{"Datto RMM Web Remote", record.KindRemoteSession, "web.remote/rto", "", ``, "had a Web Remote takeover session"},
		{"Datto RMM unknown remote", record.KindRemoteSession, "remote/vnc", "", `{"remote_session_type":"vnc"}`, "had a remote session (vnc)"},
		{"Datto RMM job", record.KindCommand, "job/deployment", "Install Windows Updates", ``, `ran job "Install Windows Updates"`},
		{"Datto RMM quick job", record.KindCommand, "job/deployment", "Quick Job: Restart Print Spooler", ``, `ran quick job "Restart Print Spooler"`},
		{"Datto RMM job without name", record.KindCommand, "job/cancel", "", ``, "had job cancel (no name recorded)"},
		{"sign-in", record.KindM365SignIn, "signIn", "sign-in to Azure Portal", `{"app":"Azure Portal"}`, "signed in to Azure Portal"},
		{"failed sign-in", record.KindM365SignIn, "signInFailed", "failed sign-in to Azure Portal: MFA required", `{"app":"Azure Portal"}`,
			"failed to sign in to Azure Portal (MFA required)"},
		{"directory audit delete", record.KindM365Admin, "Delete user", "Delete user: User j.doe@contoso.example", `{"target_id":"u-1"}`,
			"deleted user j.doe@contoso.example"},
		{"directory audit group", record.KindM365Admin, "Add member to group", "Add member to group: Group Finance", ``,
			"added member to group Finance"},
		{"directory audit hard delete", record.KindM365Admin, "Hard Delete user", "Hard Delete user: User x@contoso.example", ``,
			"permanently deleted user x@contoso.example"},
		{"unified audit Azure AD", record.KindM365Admin, "Reset user password", "AzureActiveDirectory: Reset user password on j.doe@contoso.example",
			`{"object_id":"j.doe@contoso.example"}`, "reset user password on j.doe@contoso.example"},
		{"unified audit delete user", record.KindM365Admin, "Delete user", "AzureActiveDirectory: Delete user on t@contoso.example",
			`{"object_id":"t@contoso.example"}`, "deleted user t@contoso.example"},
		{"mail items accessed", record.KindM365Mailbox, "MailItemsAccessed", "Exchange: MailItemsAccessed on ceo@contoso.example",
			`{"mailbox_owner":"ceo@contoso.example"}`, "opened mailbox ceo@contoso.example (mail items accessed)"},
		{"send as", record.KindM365Mailbox, "SendAs", "Exchange: SendAs on ceo@contoso.example", `{"mailbox_owner":"ceo@contoso.example"}`,
			"sent mail as ceo@contoso.example"},
		{"Exchange cmdlet", record.KindM365Admin, "Set-Mailbox", "Exchange: Set-Mailbox on ceo@contoso.example", `{"object_id":"ceo@contoso.example"}`,
			"changed mailbox ceo@contoso.example (Set-Mailbox)"},
		{"Exchange removal", record.KindM365Admin, "Remove-Mailbox", "Exchange: Remove-Mailbox on old.shared", `{"object_id":"old.shared@contoso.example"}`,
			"removed mailbox old.shared@contoso.example (Remove-Mailbox)"},
		{"Exchange unknown verb", record.KindM365Admin, "Search-Mailbox", "Exchange: Search-Mailbox on ceo@contoso.example", ``,
			"ran Search-Mailbox on ceo@contoso.example"},
		{"SharePoint", record.KindM365Admin, "FileDeleted", "SharePoint: FileDeleted on https://contoso.sharepoint.com/a.xlsx",
			`{"object_id":"https://contoso.sharepoint.com/a.xlsx"}`, "deleted file https://contoso.sharepoint.com/a.xlsx"},
		{"unreadable attributes", record.KindM365Admin, "Delete user", "Delete user: User j.doe@contoso.example", `{`,
			"deleted user j.doe@contoso.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &store.AccessEvent{Kind: tt.kind, Action: tt.action, Detail: tt.detail, Attributes: tt.attribs}
			if got := Of(e).String(); got != tt.want {
				t.Errorf("Of(%s %q, %q) = %q, want %q", tt.kind, tt.action, tt.detail, got, tt.want)
			}
		})
	}
}
