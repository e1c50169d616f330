"""What the demo warehouse stocks: suppliers and product families, as plain data.

A family is a name template with lists of variants; every combination is one product. Tracking,
shelf life and QC follow the trade: fasteners are not tracked, batteries and cleaning chemicals
by lot, food and medicines by lot and expiry, and medicines are inspected on arrival.
"""

from dataclasses import dataclass

NONE, LOT, EXPIRY = "none", "lot", "lot_expiry"


@dataclass(frozen=True)
class SupplierData:
    code: str
    name: str
    lead_time_days: int
    requires_qc: bool
    email: str


@dataclass(frozen=True)
class Family:
    template: str  # "{0}" ... "{n}" are filled from ``variants``
    variants: tuple[tuple[str, ...], ...]
    uom: str
    cost: tuple[float, float]
    pack: int  # units per carton: receipts come in whole cartons
    tracking: str = NONE
    shelf_life_days: int = 0  # from receipt to expiry, for EXPIRY families
    requires_qc: bool = False


@dataclass(frozen=True)
class Category:
    prefix: str  # of the SKUs: HW-1001
    name: str
    suppliers: tuple[str, ...]
    families: tuple[Family, ...]


SUPPLIERS = (
    SupplierData("FERROX", "Ferrox Fasteners Ltd", 5, False, "orders@ferrox.example"),
    SupplierData("TOOLCO", "Toolco Trade Supply", 10, False, "sales@toolco.example"),
    SupplierData("VOLTA", "Volta Electrical Wholesale", 7, False, "trade@volta.example"),
    SupplierData("BRIGHT", "Brightline Household", 6, False, "orders@brightline.example"),
    SupplierData("CLEANCO", "CleanCo Chemicals", 12, True, "supply@cleanco.example"),
    SupplierData("FRESHF", "Freshfield Foods", 3, False, "orders@freshfield.example"),
    SupplierData("PANTRY", "Pantry Partners", 8, False, "trade@pantry.example"),
    SupplierData("NORDIC", "Nordic Beverages", 6, False, "b2b@nordicbev.example"),
    SupplierData("MEDIPH", "MediPharm Distribution", 4, True, "orders@medipharm.example"),
    SupplierData("CAREPL", "CarePlus Healthcare", 9, True, "sales@careplus.example"),
    SupplierData("GREENT", "Greenthumb Garden Supplies", 14, False, "orders@greenthumb.example"),
)

# fmt: off
# Tables read best one family per line; the formatter would give each argument its own line.
_SIZES_SCREW = ("3.5x30 mm", "4x40 mm", "4x50 mm", "5x60 mm", "5x80 mm", "6x100 mm")
_FINISH = ("zinc-plated", "stainless A2")
_METRIC = ("M6", "M8", "M10", "M12")
_WHITE_STEEL = ("white", "brushed steel")

HARDWARE = Category("HW", "Hardware", ("FERROX", "TOOLCO"), (
    Family("Wood screws {0} {1}, box of 200", (_SIZES_SCREW, _FINISH), "box", (3.2, 9.8), 10),
    Family("Hex bolts {0} {1}, box of 50",
           (("M6x30", "M8x40", "M8x60", "M10x50", "M10x80", "M12x60"), _FINISH),
           "box", (4.5, 14.0), 10),
    Family("Hex nuts {0} {1}, box of 100", (_METRIC, _FINISH), "box", (2.1, 6.5), 10),
    Family("Flat washers {0} {1}, box of 100", (_METRIC, _FINISH), "box", (1.6, 4.9), 10),
    Family("Wall plugs {0} {1}, pack of 100", (("5 mm", "6 mm", "8 mm", "10 mm"),
                                               ("nylon", "universal")), "pk", (1.9, 5.5), 20),
    Family("HSS drill bit {0}", (("3 mm", "4 mm", "5 mm", "6 mm", "8 mm", "10 mm"),),
           "ea", (1.2, 6.9), 10),
    Family("Masonry drill bit {0}", (("5 mm", "6 mm", "8 mm", "10 mm"),), "ea", (1.8, 7.5), 10),
    Family("Cable ties {0} {1}, pack of 100", (("100 mm", "200 mm", "300 mm"),
                                               ("black", "natural")), "pk", (1.1, 4.2), 20),
    Family("Butt hinge {0} {1}, pair", (("75 mm", "100 mm"), ("steel", "brass")),
           "pk", (2.8, 9.9), 12),
    Family("Padlock {0} laminated steel", (("30 mm", "40 mm", "50 mm"),), "ea", (4.5, 13.0), 6),
    Family("Duct tape {0} {1}", (("48 mm x 25 m", "48 mm x 50 m"), ("silver", "black")),
           "ea", (2.4, 6.8), 24),
    Family("Masking tape {0} x 50 m", (("19 mm", "25 mm", "38 mm", "50 mm"),),
           "ea", (0.9, 2.9), 36),
    Family("Sandpaper sheets {0}, pack of 10", (("P80", "P120", "P180", "P240"),),
           "pk", (1.7, 3.9), 20),
    Family("Hose clamp {0} stainless", (("8-12 mm", "12-22 mm", "20-32 mm", "32-50 mm"),),
           "ea", (0.4, 1.6), 50),
    Family("Utility knife blades, {0}", (("pack of 10", "pack of 50"),), "pk", (1.2, 5.8), 20),
))

ELECTRICAL = Category("EL", "Electrical", ("VOLTA",), (
    Family("LED bulb {0} {1}", (("E27 9 W", "E27 13 W", "E14 5 W", "GU10 5 W"),
                                ("warm white", "cool white")), "ea", (1.4, 4.2), 24),
    Family("Extension lead {0}", (("4-way 2 m", "4-way 5 m", "6-way 2 m"),),
           "ea", (6.5, 14.0), 10),
    Family("Installation cable {0}", (("3G1.5 mm2", "3G2.5 mm2", "5G2.5 mm2"),),
           "m", (0.45, 1.6), 50),
    Family("Alkaline battery {0}, {1}", (("AA", "AAA", "C", "D", "9V"), ("4-pack", "12-pack")),
           "pk", (2.2, 11.5), 24, LOT),
    Family("Plug fuse {0}, pack of 10", (("3 A", "5 A", "13 A"),), "pk", (1.1, 2.4), 20),
    Family("Wall socket {0} {1}", (("single", "double"), _WHITE_STEEL), "ea", (2.5, 11.0), 10),
    Family("Light switch {0} {1}", (("1-gang", "2-gang"), _WHITE_STEEL), "ea", (1.9, 9.0), 10),
    Family("Junction box {0}", (("IP44", "IP65"),), "ea", (1.8, 4.6), 20),
    Family("Insulation tape 19 mm {0}", (("red", "blue", "black", "green/yellow"),),
           "ea", (0.4, 0.9), 50),
    Family("Cable clips {0}, pack of 100", (("5 mm", "7 mm", "10 mm"),), "pk", (1.0, 2.2), 20),
))

HOUSEHOLD = Category("HH", "Household", ("BRIGHT", "CLEANCO"), (
    Family("Dish soap {1} {0}", (("500 ml", "1 l"), ("lemon", "original")),
           "ea", (0.9, 2.3), 12, LOT),
    Family("Laundry detergent {1} {0}", (("1.5 l", "3 l"), ("colour", "white")),
           "ea", (3.9, 8.9), 6, LOT),
    Family("Bin bags {0}, roll of 20", (("30 l", "60 l", "120 l"),), "ea", (1.1, 3.4), 24),
    Family("Kitchen roll {0}", (("2-pack", "6-pack"),), "pk", (1.5, 4.1), 8),
    Family("Toilet paper {0}", (("9-pack", "24-pack"),), "pk", (2.9, 7.6), 6),
    Family("Sponge scourers {0}", (("3-pack", "10-pack"),), "pk", (0.7, 2.2), 24),
    Family("Microfibre cloths, {0}", (("5-pack", "10-pack"),), "pk", (2.1, 3.8), 20),
    Family("Thick bleach {0}", (("750 ml", "2 l"),), "ea", (0.8, 2.1), 12, LOT),
    Family("Glass cleaner spray {0}", (("500 ml", "750 ml"),), "ea", (1.3, 2.4), 12, LOT),
    Family("All-purpose cleaner {1} {0}", (("750 ml", "5 l"), ("citrus", "unscented")),
           "ea", (1.2, 7.9), 12, LOT),
    Family("Rubber gloves size {0}", (("S", "M", "L", "XL"),), "pk", (0.9, 1.7), 24),
    Family("Aluminium foil {0}", (("30 cm x 10 m", "45 cm x 50 m"),), "ea", (1.2, 6.5), 12),
    Family("Cling film {0}", (("30 cm x 30 m", "45 cm x 300 m"),), "ea", (1.0, 8.9), 12),
    Family("Freezer bags {0}, pack of 50", (("1 l", "3 l", "6 l"),), "pk", (0.9, 2.4), 24),
    Family("Candles, {0}", (("tealights 50-pack", "dinner 10-pack"),), "pk", (2.2, 4.9), 12),
    Family("Mop head {0}", (("cotton", "microfibre"),), "ea", (2.6, 5.4), 10),
    Family("Bucket with lid {0}", (("10 l", "15 l"),), "ea", (2.9, 4.8), 10),
    Family("Broom {0}", (("indoor soft", "outdoor stiff"),), "ea", (4.5, 7.9), 6),
    Family("Air freshener {0}", (("lavender", "fresh linen", "citrus"),), "ea", (1.4, 2.2), 12,
           LOT),
    Family("Liquid hand soap {0}", (("300 ml", "1 l refill"),), "ea", (0.9, 2.9), 12, LOT),
))

GROCERY = Category("GR", "Grocery", ("FRESHF", "PANTRY", "NORDIC"), (
    Family("Basmati rice {0}", (("1 kg", "5 kg"),), "ea", (1.6, 7.2), 10, EXPIRY, 540),
    Family("{0} {1} 500 g", (("Spaghetti", "Penne", "Fusilli"), ("durum wheat", "wholewheat")),
           "ea", (0.6, 1.2), 24, EXPIRY, 720),
    Family("Extra virgin olive oil {0}", (("500 ml", "1 l"),), "ea", (3.8, 7.4), 12, EXPIRY, 540),
    Family("Chopped tomatoes 400 g, {0}", (("plain", "with basil"),), "ea", (0.4, 0.7), 24,
           EXPIRY, 720),
    Family("{0} 400 g can", (("Chickpeas", "Kidney beans", "Baked beans", "Sweetcorn",
                              "Coconut milk"),), "ea", (0.5, 1.3), 24, EXPIRY, 720),
    Family("Coffee beans {0}, {1}", (("espresso", "medium roast"), ("500 g", "1 kg")),
           "ea", (5.5, 14.0), 6, EXPIRY, 365),
    Family("Ground coffee {0} 250 g", (("espresso", "medium roast", "decaf"),), "ea",
           (2.9, 4.5), 12, EXPIRY, 365),
    Family("{0} tea, {1}", (("Black", "Green"), ("80 bags", "240 bags")), "ea", (1.9, 4.9), 12,
           EXPIRY, 720),
    Family("Oat flakes {0}", (("500 g", "1 kg"),), "ea", (0.8, 1.5), 12, EXPIRY, 365),
    Family("Muesli {0} 750 g", (("fruit", "nut"),), "ea", (2.1, 2.9), 8, EXPIRY, 300),
    Family("Wheat flour {1} {0}", (("1 kg", "2.5 kg"), ("plain", "self-raising")),
           "ea", (0.6, 1.9), 10, EXPIRY, 300),
    Family("Honey {0}", (("250 g", "500 g"),), "ea", (2.9, 5.2), 12, EXPIRY, 720),
    Family("Peanut butter {0} 340 g", (("smooth", "crunchy"),), "ea", (1.8, 2.1), 12,
           EXPIRY, 270),
    Family("UHT milk 1 l, {0}", (("whole", "semi-skimmed"),), "ea", (0.7, 0.9), 12, EXPIRY, 90),
    Family("Chocolate bar 100 g, {0}", (("dark 70%", "dark 85%", "milk"),), "ea", (0.9, 1.6),
           20, EXPIRY, 365),
    Family("Potato crisps 150 g, {0}", (("salted", "paprika", "salt & vinegar"),), "ea",
           (0.9, 1.2), 20, EXPIRY, 120),
    Family("Mineral water {1}, {0}", (("0.5 l x 24", "1.5 l x 6"), ("still", "sparkling")),
           "cs", (2.9, 5.5), 4, EXPIRY, 365),
    Family("{0} 1 l", (("Orange juice", "Apple juice", "Oat drink"),), "ea", (1.1, 1.9), 12,
           EXPIRY, 180),
    Family("{0}, case of 24 cans", (("Cola 0.33 l", "Lemonade 0.33 l", "Energy drink 0.25 l"),),
           "cs", (7.5, 18.0), 4, EXPIRY, 270),
    Family("{0}", (("Tomato ketchup 500 ml", "Mayonnaise 400 ml", "Soy sauce 150 ml",
                    "Vegetable stock cubes x12", "Strawberry jam 340 g", "Sea salt 750 g"),),
           "ea", (0.8, 2.6), 12, EXPIRY, 365),
    Family("Instant noodles {0}, 5-pack", (("chicken", "beef", "vegetable"),), "pk",
           (1.2, 1.6), 12, EXPIRY, 300),
    Family("Breakfast bars {0}, 6-pack", (("oat", "chocolate"),), "pk", (1.6, 2.4), 12,
           EXPIRY, 180),
    Family("Free-range eggs, {0}", (("box of 6", "box of 10"),), "pk", (1.4, 2.6), 12,
           EXPIRY, 28),
    Family("Infant formula {0} 800 g", (("stage 1", "stage 2"),), "ea", (9.5, 12.0), 6,
           EXPIRY, 540, True),
))

PHARMACY = Category("PH", "Pharmacy", ("MEDIPH", "CAREPL"), (
    Family("Paracetamol 500 mg tablets, {0}", (("16", "32"),), "pk", (0.6, 1.2), 48,
           EXPIRY, 1095, True),
    Family("Ibuprofen {0} tablets, {1}", (("200 mg", "400 mg"), ("24", "48")), "pk",
           (0.9, 2.9), 48, EXPIRY, 1095, True),
    Family("{0} 10 mg tablets, 30", (("Cetirizine", "Loratadine"),), "pk", (1.9, 3.5), 24,
           EXPIRY, 1095, True),
    Family("{0}", (("Vitamin C 1000 mg effervescent x20", "Vitamin D3 1000 IU capsules x90",
                    "Multivitamin tablets x60", "Zinc lozenges x24", "Aspirin 300 mg tablets x32",
                    "Rehydration salts x6", "Antacid tablets x24"),),
           "pk", (2.2, 7.9), 24, EXPIRY, 730, True),
    Family("Cough syrup {0}", (("100 ml", "200 ml"),), "ea", (3.5, 6.2), 12, EXPIRY, 730, True),
    Family("Throat lozenges {0}, 24", (("honey & lemon", "menthol"),), "pk", (2.2, 2.9), 24,
           EXPIRY, 730, True),
    Family("{0}", (("Nasal spray 15 ml", "Saline eye drops 10 ml", "Antiseptic cream 30 g",
                    "Hydrocortisone cream 1% 15 g", "Cold sore cream 2 g"),), "ea", (2.5, 6.5),
           12, EXPIRY, 730, True),
    Family("Plasters, assorted {0}", (("20", "40"),), "pk", (1.5, 2.9), 24, EXPIRY, 1825),
    Family("Elastic bandage {0} x 4 m", (("6 cm", "8 cm", "10 cm"),), "ea", (1.2, 2.2), 24,
           EXPIRY, 1825),
    Family("Nitrile gloves size {0}, box of 100", (("S", "M", "L"),), "box", (4.9, 6.5), 10,
           EXPIRY, 1825),
    Family("{0}", (("Sterile gauze swabs x10", "Face masks type IIR x50",
                    "Hand sanitiser gel 100 ml", "Hand sanitiser gel 500 ml",
                    "Sunscreen SPF 50 200 ml", "Insect repellent 100 ml"),), "ea", (1.1, 7.5),
           12, EXPIRY, 1095),
    Family("Digital thermometer", (), "ea", (4.5, 6.0), 10, LOT, 0, True),
    Family("Blood glucose test strips, {0}", (("25", "50"),), "pk", (9.0, 17.0), 10,
           EXPIRY, 540, True),
))

GARDEN = Category("GD", "Garden", ("GREENT",), (
    Family("Potting compost {0}", (("20 l", "40 l", "70 l"),), "ea", (3.2, 7.9), 4),
    Family("Lawn seed {0}", (("1 kg", "2.5 kg"),), "ea", (6.5, 14.0), 10, EXPIRY, 730),
    Family("Garden hose {0}", (("15 m", "25 m", "50 m"),), "ea", (9.0, 29.0), 4),
    Family("{0}", (("Hose connector set", "Bypass secateurs", "Watering can 10 l",
                    "Garden twine 100 m"),), "ea", (3.5, 12.0), 6),
    Family("Garden gloves size {0}", (("M", "L"),), "pk", (2.4, 3.2), 12),
    Family("{0}", (("Liquid plant food 1 l", "Slug pellets 800 g", "Wild bird seed 2 kg",
                    "Weed killer 1 l"),), "ea", (3.2, 6.9), 8, EXPIRY, 730),
    Family("Plant pots {0}", (("12 cm x10", "20 cm x5", "30 cm x3"),), "pk", (2.2, 3.9), 12),
))

# fmt: on

CATEGORIES = (HARDWARE, ELECTRICAL, HOUSEHOLD, GROCERY, PHARMACY, GARDEN)
