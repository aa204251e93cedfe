package m365

// GlobalAdministrator is the role template id of Global Administrator.
const GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10"

// RoleNames maps Entra built-in role template ids (the roleDefinitionId of GDAP
// relationships and assignments, the same in every tenant) to their names, from
// Microsoft's permissions reference. A role missing here keeps its id only.
var RoleNames = map[string]string{
	"62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
	"e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
	"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
	"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
	"5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
	"f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
	"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
	"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
	"966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
	"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
	"29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
	"31392ffb-586c-42d1-9346-e59415a2cc4e": "Exchange Recipient Administrator",
	"f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
	"69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
	"3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
	"7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
	"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
	"158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
	"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
	"fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
	"4d6ac14f-3453-41d0-bef9-a3e0c569773a": "License Administrator",
	"b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
	"f023fd81-a637-4b56-95fd-791ac0226033": "Service Support Administrator",
	"88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
	"9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
	"4a5d8f65-41da-4de4-8968-e035b65339cf": "Reports Reader",
	"17315797-102d-40b4-93e0-432062caca18": "Compliance Administrator",
	"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
	"44367163-eba1-44c3-98af-f5787879f96a": "Dynamics 365 Administrator",
	"11648597-926c-4cf3-9c36-bcebb0ba8dcc": "Power Platform Administrator",
}
