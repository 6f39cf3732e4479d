"""Names and numbers of the BOLD rules, sourced from the package data (``data/bold-enums.json``)."""

from __future__ import annotations

from decimal import Decimal

from massledger.methodology.reference import enum_values, plate_patterns, threshold, vehicle_rule

# -- thresholds (carrot.md §6) ----------------------------------------------------------------------------
PASS_DISTANCE_M = int(threshold("DISTANCE_THRESHOLD_PASS"))  # 2 000 m
SIMILARITY_DISTANCE_M = int(threshold("DISTANCE_THRESHOLD_SIMILARITY"))  # 30 000 m
GPS_MAX_DISTANCE_M = int(threshold("GPS_MAX_ALLOWED_DISTANCE"))  # 2 000 m
ADDRESS_SIMILARITY_THRESHOLD = threshold("ADDRESS_SIMILARITY_THRESHOLD")  # 0.75
DESCRIPTION_SIMILARITY_THRESHOLD = threshold("DESCRIPTION_SIMILARITY_THRESHOLD")  # 0.85
COMPOSTING_MIN_DAYS = int(threshold("COMPOSTING_CYCLE_MIN_DAYS"))  # 60
COMPOSTING_MAX_DAYS = int(threshold("COMPOSTING_CYCLE_MAX_DAYS"))  # 180
COMPOSTING_TOLERANCE_HOURS = int(threshold("TOLERANCE_IN_HOURS"))  # 1
NET_WEIGHT_TOLERANCE_KG = threshold("NET_WEIGHT_CALCULATION_TOLERANCE")  # 0.1
MAX_WEIGHING_EVENTS = int(threshold("MAX_WEIGHING_EVENTS"))  # 2
SORTING_TOLERANCE_KG = threshold("SORTING_TOLERANCE")  # 0.1
LARGE_BUSINESS_DISCOUNT = threshold("LARGE_REVENUE_BUSINESS_DISCOUNT")  # 0.5
CARBON_CHARACTERIZATION_VALIDITY_YEARS = int(threshold("carbon characterization validity"))  # 2

KG_PER_TONNE = Decimal(1000)
CREDIT_DECIMALS = Decimal("0.001")  # credits are tonnes with 3 decimals, rounded down

# -- vocabulary ---------------------------------------------------------------------------------------------
MASS_ID = "MassID"
METHODOLOGY = "Methodology"
ORGANIC = "Organic"
KG = "kg"
PARTICIPANT_ACCREDITATION = "Participant Accreditation"
MASS_ID_AUDIT = "MassID Audit"
DEFINITION = "Definition"
RECYCLED_ID = "RecycledID"
GAS_ID = "GasID"
CANCELLED = "CANCELLED"

ORGANIC_SUBTYPES = enum_values("MassIDOrganicSubtype")
VEHICLE_TYPES = enum_values("BoldVehicleType")
SCALE_TYPES = enum_values("BoldScaleType")
CONTAINER_TYPES = enum_values("BoldContainerType")
CAPTURE_METHODS = enum_values("BoldWeighingCaptureMethod")
BASELINES = enum_values("BoldBaseline")

# ACTOR labels (roles)
WASTE_GENERATOR = "Waste Generator"
HAULER = "Hauler"
PROCESSOR = "Processor"
RECYCLER = "Recycler"
INTEGRATOR = "Integrator"
NETWORK = "Network"
COMMUNITY_IMPACT_POOL = "Community Impact Pool"
METHODOLOGY_AUTHOR = "Methodology Author"
METHODOLOGY_DEVELOPER = "Methodology Developer"

# event names
ACTOR = "ACTOR"
PICK_UP = "Pick-up"
TRANSPORT_MANIFEST = "Transport Manifest"
WEIGHING = "Weighing"
DROP_OFF = "Drop-off"
SORTING = "Sorting"
RECYCLED = "Recycled"
RECYCLING_MANIFEST = "Recycling Manifest"
ACCREDITATION_RESULT = "Accreditation Result"
FACILITY_ADDRESS = "Facility Address"
EMISSIONS_AND_COMPOSTING_METRICS = "Emissions & Composting Metrics"
MONITORING_SYSTEMS_AND_EQUIPMENT = "Monitoring Systems & Equipment"
ONBOARDING_DECLARATION = "Onboarding Declaration"
ORGANIC_WASTE_CARBON_CHARACTERIZATION = "Organic Waste Carbon Characterization"

UNIDENTIFIED = "Unidentified"
APPROVED = "Approved"
SMALL_BUSINESS = "Small Business"
WEIGHBRIDGE_NAMES = frozenset({"Weighbridge (Truck Scale)", "Weighbridge"})
VEHICLES_WITHOUT_PLATE = vehicle_rule("vehicleTypesWithoutLicensePlate")  # Bicycle, Cart, Sludge Pipes
VEHICLES_WITHOUT_HAULER = vehicle_rule("vehicleTypesWithOptionalHauler")  # Sludge Pipes, Cart
PLATE_SEPARATORS, PLATE_FORMATS = plate_patterns()
SLUDGE_PIPES = "Sludge Pipes"
TRUCK = "Truck"
OTHERS = "Others"
OTHERS_IF_ORGANIC = "Others (if organic)"
EXEMPTION_JUSTIFICATION = "Exemption Justification"

# The certificate event that records the credits minted from it, and its attribute naming the credit.
CREDITS_ISSUED = "Credits Issued"
CREDIT_ID = "Credit Id"
