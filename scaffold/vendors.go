package scaffold

// Question is a value a person gives when the files are made, because Custos cannot
// know it: the flag that gives it, the prompt that asks for it (which says where
// the value is found), the key it sets in its section, and its default ("" when a
// person must give it).
type Question struct {
	Flag, Prompt, Section, Key, Default string
}

// envSecret is a secret the configuration names by environment variable: its key in
// the vendor's section, the variable, and where its value is found.
type envSecret struct {
	key, env, where string
}

// vendor is one vendor Custos reads, as the made configuration enables it.
type vendor struct {
	// name is the connector's name: its section is [connectors.<name>].
	name string
	// aliases are other names --vendors accepts for it.
	aliases []string
	// title is the vendor's name for people, and what enabling it does.
	title, does string
	questions   []Question
	secrets     []envSecret
	// needs is a vendor that must be enabled with it.
	needs string
	// creates says its organizations create customers (customers.create_from).
	creates bool
}

// vendors are the vendors init offers, in the order it asks and writes them.
var vendors = []vendor{
	{
		name: "itglue", title: "IT Glue",
		does:    "Pull organizations, network devices and their configuration backups from IT Glue.",
		creates: true,
		secrets: []envSecret{{"api_key", "ITGLUE_API_KEY",
			"the API key: an IT Glue Administrator creates one under Account > Settings > API Keys (Enterprise plan); it is shown once"}},
	},
	{
		name: "screenconnect", title: "ScreenConnect",
		does: "Pull remote sessions, technician connections and session events from ScreenConnect.",
		questions: []Question{{Flag: "screenconnect-url", Section: "connectors.screenconnect", Key: "base_url",
			Prompt: "ScreenConnect's web address, as technicians open it, e.g. https://acme.screenconnect.com"}},
		secrets: []envSecret{
			{"username", "SCREENCONNECT_USERNAME", "the user name of an internal ScreenConnect user without MFA whose role sees every session group (Admin > Security > Users)"},
			{"password", "SCREENCONNECT_PASSWORD", "that user's password"},
		},
	},
	{
		name: "dattormm", aliases: []string{"datto"}, title: "Datto RMM",
		does:    "Pull sites, devices, users and the activity log from Datto RMM.",
		creates: true,
		questions: []Question{{Flag: "datto-platform", Section: "connectors.dattormm", Key: "platform",
			Prompt: "Datto RMM platform, shown under Setup > Global Settings: pinotage, merlot, concord, vidal, zinfandel or syrah"}},
		secrets: []envSecret{
			{"api_key", "DATTO_RMM_API_KEY", "the API key of a dedicated API user: Setup > Users > the user > Generate API Keys (API access is turned on under Setup > Global Settings > Access Control)"},
			{"api_secret", "DATTO_RMM_API_SECRET", "the secret key shown once beside that API key"},
		},
	},
	{
		name: "autotask", title: "Autotask",
		does:    "Read Autotask tickets and notes that carry a customer's permission, as authorisations.",
		creates: true,
		secrets: []envSecret{
			{"username", "AUTOTASK_USERNAME", "the user name of an API-only user (Admin > Resources/Users, security level copied from API User (system))"},
			{"secret", "AUTOTASK_SECRET", "that API user's secret"},
			{"integration_code", "AUTOTASK_INTEGRATION_CODE", "that API user's API tracking identifier (the integration code)"},
		},
	},
	{
		name: "m365", title: "Microsoft 365",
		does: "Read GDAP relationships, partner sign-ins and directory audits of every customer tenant through Microsoft Graph.",
		questions: []Question{
			{Flag: "m365-tenant-id", Section: "connectors.m365", Key: "partner_tenant_id",
				Prompt: "your own (partner) tenant id, a GUID: Entra admin center > Overview > Tenant ID"},
			{Flag: "m365-client-id", Section: "connectors.m365", Key: "client_id",
				Prompt: "Custos's multi-tenant app registration in that tenant: Entra admin center > App registrations > the app > Application (client) ID"},
		},
		secrets: []envSecret{{"client_secret", "M365_CLIENT_SECRET",
			"a client secret of that app: App registrations > the app > Certificates & secrets (or set certificate_file instead)"}},
	},
	{
		name: "o365audit", title: "Office 365 audit log",
		does:  "Read the unified audit log of every customer tenant, signing in with the app of [connectors.m365].",
		needs: "m365",
	},
}

// mspName asks the name the monthly reports are issued under.
var mspName = Question{Flag: "msp-name", Section: "report", Key: "msp_name", Default: "Your MSP",
	Prompt: "the name your monthly customer reports are issued under"}

// Questions lists every question init may ask, for its flags: the MSP's name and
// each vendor's.
func Questions() []Question {
	qs := []Question{mspName}
	for _, v := range vendors {
		qs = append(qs, v.questions...)
	}
	return qs
}

// VendorNames lists the names --vendors accepts for each vendor, in order.
func VendorNames() []string {
	names := make([]string, len(vendors))
	for i, v := range vendors {
		names[i] = v.name
		if len(v.aliases) > 0 {
			names[i] = v.aliases[0]
		}
	}
	return names
}
